// Fast phases and blinks: which samples of a cycle the sinusoid fit may use.
//
// The Raymond lab's method: eye velocity v (°/s) is the least-squares slope of x over a short
// window (at least 3 samples), which smooths before it differentiates; the slow phase v̂ = p·sin ωτ + q·cos ωτ
// + r is fitted to v and refitted without the samples it leaves more than the threshold away; samples with
// |v − v̂| above the threshold are fast phases. Subtracting v̂ keeps a fast stimulus from being taken for
// saccades; the threshold rises with the residual's robust SD, so a noisy tracker's noise is not either.
// Settings and their defaults: ./settings.ts.

import type { AnalysisSettings } from "./settings.ts";
import { fitOnBasis, type LinearFit, type SinusoidBasis } from "./sinusoid-fit.ts";

/** Half-width of the velocity window, samples: round(W / 2Δt) with Δt the mean sample interval, at least 1. */
function halfWindow(t: ArrayLike<number>, windowS: number): number {
  const n = t.length;
  if (n < 2) return 1;
  return Math.max(1, Math.round(windowS / ((2 * ((t[n - 1] as number) - (t[0] as number))) / (n - 1))));
}

/**
 * Eye velocity, °/s: the least-squares slope of x against t over ±k samples, k = max(1, round(W / 2Δt)) with
 * W = `windowS` and Δt the mean sample interval, so the slope always spans at least 3 samples. NaN where the
 * window holds a NaN (blink). Running sums keep it O(n) at any sampling rate.
 */
export function eyeVelocity(t: ArrayLike<number>, x: ArrayLike<number>, windowS: number): Float64Array {
  const n = t.length;
  const v = new Float64Array(n).fill(Number.NaN);
  if (n < 2) return v;
  const t0 = t[0] as number;
  const k = halfWindow(t, windowS);
  let st = 0;
  let stt = 0;
  let sx = 0;
  let stx = 0;
  let nan = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const top = Math.min(n - 1, i + k);
    while (hi < top) {
      hi++;
      const u = (t[hi] as number) - t0;
      const xv = x[hi] as number;
      st += u;
      stt += u * u;
      if (Number.isFinite(xv)) {
        sx += xv;
        stx += u * xv;
      } else nan++;
    }
    while (lo < i - k) {
      const u = (t[lo] as number) - t0;
      const xv = x[lo] as number;
      st -= u;
      stt -= u * u;
      if (Number.isFinite(xv)) {
        sx -= xv;
        stx -= u * xv;
      } else nan--;
      lo++;
    }
    if (nan > 0) continue;
    // slope = Σ(u − ū)(x − x̄) / Σ(u − ū)², both sums scaled by m to need one division.
    const m = hi - lo + 1;
    const den = m * stt - st * st;
    if (den > 0) v[i] = (m * stx - st * sx) / den;
  }
  return v;
}

/**
 * Robust SD of the finite values, 1.4826 × median |v| (v is centred: a residual, or a velocity that swings
 * about 0), from at most 512 evenly spread samples (the median's own SD is then ≈ 6% of σ); fast phases, a few
 * percent of samples, barely move it.
 */
function robustSd(v: Float64Array): number {
  const step = Math.max(1, Math.ceil(v.length / 512));
  const abs = new Float64Array(Math.ceil(v.length / step));
  let m = 0;
  for (let i = 0; i < v.length; i += step) {
    const a = Math.abs(v[i] as number);
    if (a <= Number.MAX_VALUE) abs[m++] = a;
  }
  if (m === 0) return 0;
  const sorted = abs.subarray(0, m).sort();
  return 1.4826 * (sorted[m >> 1] as number);
}

/**
 * Fits the slow-phase velocity p·sin + q·cos + r to v as described at the top; null if too few samples.
 * v is a slope over ±k samples, so neighbours share most of their data: every k-th sample carries nearly all
 * of it, and fitting those makes the fit k times cheaper at high sampling rates.
 */
function slowPhaseVelocity(
  v: Float64Array,
  t: ArrayLike<number>,
  basis: SinusoidBasis,
  k: number,
  thresholdDegS: number,
): LinearFit | null {
  const m = Math.ceil(v.length / k);
  const vs = new Float64Array(m);
  const ts = new Float64Array(m);
  const sub: SinusoidBasis = { sin: new Float64Array(m), cos: new Float64Array(m) };
  for (let j = 0, i = 0; j < m; j++, i += k) {
    vs[j] = v[i] as number;
    ts[j] = t[i] as number;
    sub.sin[j] = basis.sin[i] as number;
    sub.cos[j] = basis.cos[i] as number;
  }
  const first = fitOnBasis(sub, ts, vs, null, false, false);
  if (!first) return null;
  const near = new Uint8Array(m);
  for (let j = 0; j < m; j++)
    near[j] =
      Math.abs(
        (vs[j] as number) -
          first.a * (sub.sin[j] as number) -
          first.b * (sub.cos[j] as number) -
          first.offset,
      ) <= thresholdDegS
        ? 1
        : 0;
  return fitOnBasis(sub, ts, vs, near, false, false) ?? first;
}

/**
 * Which samples to keep (1) or drop (0): samples whose eye speed exceeds the threshold, and blink (NaN)
 * samples, are dropped together with `padBeforeS`/`padAfterS` around them; kept stretches shorter than
 * `minSegmentS` are dropped too. Velocity as in `eyeVelocity`; with `slowPhase` (the cycle's sinusoid basis)
 * the threshold applies to the velocity left after the fitted slow phase is subtracted. The threshold rises to
 * `noiseThresholdFactor` robust SDs of that velocity when tracker noise alone would cross it.
 */
export function fastPhaseMask(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  thresholdDegS: number,
  s: Pick<
    AnalysisSettings,
    "padBeforeS" | "padAfterS" | "velocityWindowS" | "minSegmentS" | "noiseThresholdFactor"
  >,
  slowPhase?: SinusoidBasis,
): Uint8Array {
  const n = t.length;
  const k = halfWindow(t, s.velocityWindowS);
  const v = eyeVelocity(t, x, s.velocityWindowS);
  const slow = slowPhase ? slowPhaseVelocity(v, t, slowPhase, k, thresholdDegS) : null;
  if (slowPhase && slow) {
    const { sin: sn, cos: cs } = slowPhase;
    for (let i = 0; i < n; i++)
      v[i] = (v[i] as number) - slow.a * (sn[i] as number) - slow.b * (cs[i] as number) - slow.offset;
  }
  const threshold = Math.max(thresholdDegS, s.noiseThresholdFactor * robustSd(v));
  // Bad: fast (or NaN) samples. Dilate: drop samples within padAfterS after, or padBeforeS before, a bad one.
  const bad = new Uint8Array(n);
  const keep = new Uint8Array(n);
  let lastBad = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const ti = t[i] as number;
    if (!(Math.abs(v[i] as number) <= threshold)) {
      bad[i] = 1;
      lastBad = ti;
    }
    keep[i] = ti - lastBad <= s.padAfterS ? 0 : 1;
  }
  let nextBad = Number.POSITIVE_INFINITY;
  for (let i = n - 1; i >= 0; i--) {
    const ti = t[i] as number;
    if (bad[i]) nextBad = ti;
    if (nextBad - ti <= s.padBeforeS) keep[i] = 0;
  }
  // Drop short stretches: too little data to pin their own offset.
  for (let i = 0; i < n; ) {
    if (!keep[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && keep[j + 1]) j++;
    if ((t[j] as number) - (t[i] as number) < s.minSegmentS) keep.fill(0, i, j + 1);
    i = j + 1;
  }
  return keep;
}
