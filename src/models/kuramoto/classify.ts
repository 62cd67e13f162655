// State of a run from its order parameter R(t) after a transient:
//   R is read through a Schmitt trigger (high once R > high, low once R < low), giving the time spent in
//   each level, the number of switches and the mean dwell times.
//   bistable (alternating): R switches at least twice, each level holds ≥ minFraction of the time and the
//     R distribution is bimodal (bimodality coefficient > 5/9, its value for a uniform distribution);
//   sync: otherwise, mostly in the high level; async: otherwise.
import { z } from "zod";

export const ClassifyOptionsSchema = z
  .object({
    /** s of the start to discard */
    transient: z.number().min(0),
    /** R thresholds of the Schmitt trigger */
    low: z.number().min(0).max(1),
    high: z.number().min(0).max(1),
    /** least fraction of time in each level for a bistable label */
    minFraction: z.number().min(0).max(0.5),
  })
  .refine((o) => o.low < o.high, { message: "the low R threshold must be below the high one" });

export type ClassifyOptions = z.infer<typeof ClassifyOptionsSchema>;
export const DEFAULT_CLASSIFY: ClassifyOptions = { transient: 0, low: 0.15, high: 0.3, minFraction: 0.05 };

export type NetworkState = "sync" | "async" | "bistable";

export interface Classification {
  state: NetworkState;
  /** why, in words */
  reason: string;
  samples: number;
  meanR: number;
  sdR: number;
  minR: number;
  maxR: number;
  fractionHigh: number;
  fractionLow: number;
  switches: number;
  /** mean length (s) of completed stays in each level; NaN when none completed */
  dwellHigh: number;
  dwellLow: number;
  /** Sarle's bimodality coefficient (skew² + 1)/(kurtosis + 3(n−1)²/((n−2)(n−3))); > 5/9 suggests bimodal */
  bimodality: number;
}

export const BIMODAL = 5 / 9;

export function classify(
  t: ArrayLike<number>,
  R: ArrayLike<number>,
  options: ClassifyOptions,
): Classification {
  const x: number[] = [];
  const ts: number[] = [];
  for (let i = 0; i < R.length; i++) {
    if ((t[i] as number) >= options.transient) {
      x.push(R[i] as number);
      ts.push(t[i] as number);
    }
  }
  const n = x.length;
  if (n < 4) throw new Error(`only ${n} samples after the transient: run longer or record more often`);
  const mean = x.reduce((a, v) => a + v, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of x) {
    const d = v - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // sample skewness and excess kurtosis (bias-corrected, as in SAS/Sarle)
  const g1 = m2 > 0 ? m3 / m2 ** 1.5 : 0;
  const g2 = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
  const skew = (Math.sqrt(n * (n - 1)) / (n - 2)) * g1;
  const kurt = ((n - 1) / ((n - 2) * (n - 3))) * ((n + 1) * g2 + 6);
  const bimodality = m2 > 0 ? (skew * skew + 1) / (kurt + (3 * (n - 1) ** 2) / ((n - 2) * (n - 3))) : 0;

  // Schmitt trigger; time weights from sample spacing
  let high = (x[0] as number) >= (options.low + options.high) / 2;
  let timeHigh = 0;
  let timeLow = 0;
  let switches = 0;
  let since = ts[0] as number;
  const dwells: { high: number[]; low: number[] } = { high: [], low: [] };
  let firstSwitchSeen = false;
  for (let i = 1; i < n; i++) {
    const dtI = (ts[i] as number) - (ts[i - 1] as number);
    if (high) timeHigh += dtI;
    else timeLow += dtI;
    const v = x[i] as number;
    if ((high && v < options.low) || (!high && v > options.high)) {
      // the stay before the first switch is truncated by the transient: not a completed dwell
      if (firstSwitchSeen) (high ? dwells.high : dwells.low).push((ts[i] as number) - since);
      firstSwitchSeen = true;
      high = !high;
      since = ts[i] as number;
      switches++;
    }
  }
  const total = timeHigh + timeLow || 1;
  const fractionHigh = timeHigh / total;
  const fractionLow = timeLow / total;
  const avg = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
  const stats = {
    samples: n,
    meanR: mean,
    sdR: Math.sqrt(m2),
    minR: Math.min(...x),
    maxR: Math.max(...x),
    fractionHigh,
    fractionLow,
    switches,
    dwellHigh: avg(dwells.high),
    dwellLow: avg(dwells.low),
    bimodality,
  };
  const f = (v: number) => v.toFixed(2);
  if (switches >= 2 && Math.min(fractionHigh, fractionLow) >= options.minFraction && bimodality > BIMODAL) {
    return {
      state: "bistable",
      reason: `R switched ${switches} times between < ${options.low} and > ${options.high}, ${f(fractionHigh)} of the time high, bimodality ${f(bimodality)} > ${f(BIMODAL)}`,
      ...stats,
    };
  }
  if (fractionHigh > 0.5) {
    return {
      state: "sync",
      reason: `R in the high level (above ${options.low}, last crossed over ${options.high}) for ${f(fractionHigh)} of the time (mean ${f(mean)}), ${switches} switches`,
      ...stats,
    };
  }
  return {
    state: "async",
    reason: `R in the low level (below ${options.high}, last crossed under ${options.low}) for ${f(fractionLow)} of the time (mean ${f(mean)}), ${switches} switches`,
    ...stats,
  };
}

export interface WindowState {
  /** s */
  start: number;
  end: number;
  state: NetworkState;
  meanR: number;
}

/** Classification of consecutive windows of `window` s (after options.transient): a state timeline. */
export function classifyWindows(
  t: ArrayLike<number>,
  R: ArrayLike<number>,
  window: number,
  options: ClassifyOptions,
): WindowState[] {
  const out: WindowState[] = [];
  const tEnd = t[t.length - 1] as number;
  for (let start = options.transient; start + window <= tEnd + 1e-9; start += window) {
    const ts: number[] = [];
    const xs: number[] = [];
    for (let i = 0; i < t.length; i++) {
      const ti = t[i] as number;
      if (ti >= start && ti < start + window) {
        ts.push(ti);
        xs.push(R[i] as number);
      }
    }
    const c = classify(ts, xs, { ...options, transient: start });
    out.push({ start, end: start + window, state: c.state, meanR: c.meanR });
  }
  return out;
}
