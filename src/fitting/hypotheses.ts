// Parallel or serial? The study's question decided across animals (src/models/learning/nested.ts).
//
// Stage 1 (curves): the cohort fit of the nested family's curves, shared τ_on, τ_decay, τ_off and per animal
// g0, a_on and its own offline level (src/fitting/cohort-fit.ts). From each animal's fitted curve:
//   x_i = online learning at the end of training           (gain; fitted curve, not one noisy block)
//   y_i = gain at the end of the rest above baseline g0    (gain; fitted curve at the start of the test, before
//                                                          the test's own stimulus drives learning again)
// Stage 2 (animals): how y depends on x across animals, ordinary least squares with n animals:
//   parallel  y_i = a_off + e_i           (post-rest gain does not depend on online learning: k = 0)
//   serial    y_i = k·x_i + e_i           (carry-over of online learning, consolidation plus retention: a_off = 0)
//   nested    y_i = a_off + k·x_i + e_i   (both)
// The nested fit's t-tests (equivalently F-tests with 1 numerator df of nested vs each special case) test
// k = 0 and a_off = 0; AICc = n ln(RSS/n) + 2p + 2p(p+1)/(n − p − 1) ranks the three.
// Parallel reads "k = 0" as no carry-over: it assumes the online gain has decayed by the test (as in the
// virtual mouse, τ_decay ≈ 12 min ≪ 60 min rest); a design with blocks during the rest measures that decay.
import { LEARNING_MODELS, type Schedule } from "../models/learning/index.ts";
import { type CohortFit, fitCohort } from "./cohort-fit.ts";
import type { AnimalData } from "./model-fit.ts";
import { informationCriteria, pearson, studentTCdf, studentTQuantile } from "./stats.ts";

export const HYPOTHESES = ["parallel", "serial", "nested"] as const;
export type Hypothesis = (typeof HYPOTHESES)[number];

/** Training end: end of the stimulus-on interval running at t = 0⁺ (s since training start). */
export function trainingEndOf(schedule: Schedule): number {
  const on = schedule.stimulusOn.find(([a, b]) => a <= 0 && b > 0);
  if (!on) throw new RangeError("schedule has no stimulus-on interval at training start (t = 0)");
  // Adjacent intervals (pretest then training) form one stretch.
  let end = on[1];
  for (;;) {
    const next = schedule.stimulusOn.find(([a, b]) => a <= end && b > end);
    if (!next) return end;
    end = next[1];
  }
}

/**
 * When the rest after training ends, s since training start: the start of the next stimulus-on interval
 * (the test), before any relearning in it; undefined when no stimulus follows training.
 */
export function restEndOf(schedule: Schedule): number | undefined {
  const end = trainingEndOf(schedule);
  const starts = schedule.stimulusOn.map(([a]) => a).filter((a) => a > end);
  return starts.length === 0 ? undefined : Math.min(...starts);
}

export interface OnlineOffline {
  readonly animal: string;
  /** Online learning at the end of training, from the fitted curve, gain. */
  readonly x: number;
  /** Gain at the end of the rest (start of the test) above baseline, from the fitted curve, gain. */
  readonly y: number;
}

/** x_i and y_i from a stage-1 cohort fit of the nested family (`fitCohort("parallel", …)`). */
export function onlineOffline(fit: CohortFit, animals: readonly AnimalData[]): OnlineOffline[] {
  const model = LEARNING_MODELS.parallel;
  return animals.flatMap((a, i) => {
    const values = fit.animals[i]?.values as Float64Array;
    const test = restEndOf(a.schedule);
    if (test === undefined || !Array.from(a.t).some((t) => t >= test)) return [];
    const end = trainingEndOf(a.schedule);
    const [atEnd, atTest] = model.predict(values, a.schedule, [end, test]) as Float64Array;
    const g0 = values[0] as number;
    return [{ animal: a.name, x: (atEnd as number) - g0, y: (atTest as number) - g0 }];
  });
}

export interface Coefficient {
  readonly value: number;
  readonly stderr: number;
  readonly ci95: readonly [number, number];
  /** Two-sided p of the t-test of 0 (n − p df). */
  readonly p: number;
}

export interface Relation {
  readonly hypothesis: Hypothesis;
  readonly a_off?: Coefficient;
  readonly k?: Coefficient;
  readonly rss: number;
  readonly n: number;
  /** Coefficients fitted. */
  readonly params: number;
  readonly aicc: number;
  /** SD of the animals around the relation, gain: √(RSS/(n − p)). */
  readonly residualSd: number;
}

/** OLS of y on the columns (intercept and/or x), with t-based SEs, CIs and p-values. */
function ols(h: Hypothesis, data: readonly OnlineOffline[]): Relation {
  const n = data.length;
  const cols: Array<(d: OnlineOffline) => number> = [];
  if (h !== "serial") cols.push(() => 1);
  if (h !== "parallel") cols.push((d) => d.x);
  const p = cols.length;
  // Normal equations, 1 or 2 columns.
  const xtx = cols.map((ci) => cols.map((cj) => data.reduce((s, d) => s + ci(d) * cj(d), 0)));
  const xty = cols.map((c) => data.reduce((s, d) => s + c(d) * d.y, 0));
  const det =
    p === 1
      ? (xtx[0]?.[0] as number)
      : (xtx[0]?.[0] as number) * (xtx[1]?.[1] as number) - (xtx[0]?.[1] as number) ** 2;
  const inv =
    p === 1
      ? [[1 / (xtx[0]?.[0] as number)]]
      : [
          [(xtx[1]?.[1] as number) / det, -(xtx[0]?.[1] as number) / det],
          [-(xtx[1]?.[0] as number) / det, (xtx[0]?.[0] as number) / det],
        ];
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * (xty[j] as number), 0));
  const rss = data.reduce(
    (s, d) => s + (d.y - cols.reduce((g, c, j) => g + c(d) * (beta[j] as number), 0)) ** 2,
    0,
  );
  const df = n - p;
  const s2 = rss / df;
  const q = studentTQuantile(0.975, df);
  const coefficient = (j: number): Coefficient => {
    const value = beta[j] as number;
    const stderr = Math.sqrt(s2 * (inv[j]?.[j] as number));
    const t = value / stderr;
    return {
      value,
      stderr,
      ci95: [value - q * stderr, value + q * stderr],
      p: 2 * studentTCdf(-Math.abs(t), df),
    };
  };
  return {
    hypothesis: h,
    ...(h !== "serial" ? { a_off: coefficient(0) } : {}),
    ...(h !== "parallel" ? { k: coefficient(h === "nested" ? 1 : 0) } : {}),
    rss,
    n,
    params: p,
    aicc: informationCriteria(rss, n, p).aicc,
    residualSd: Math.sqrt(s2),
  };
}

export interface HypothesisTest {
  /** Stage-1 curves. */
  readonly fit: CohortFit;
  readonly animals: readonly OnlineOffline[];
  readonly relations: Readonly<Record<Hypothesis, Relation>>;
  /** Parallel or serial, whichever has the lower AICc (same number of coefficients: the lower RSS). */
  readonly winner: "parallel" | "serial";
  /** Test of k = 0 (nested's slope) and of a_off = 0 (nested's intercept). */
  readonly tests: { readonly k: Coefficient; readonly a_off: Coefficient };
  /** Pearson r of x and y across animals. */
  readonly r: number;
}

/** Stage 1 and 2 for a cohort; needs ≥ 4 animals with a test block. */
export function testHypotheses(
  animals: readonly AnimalData[],
  options: { stage1?: CohortFit } = {},
): HypothesisTest {
  const fit = options.stage1 ?? fitCohort("parallel", animals);
  const data = onlineOffline(fit, animals);
  if (data.length < 4)
    throw new RangeError(
      `parallel vs serial needs ≥ 4 animals with a block after the rest (got ${data.length})`,
    );
  const relations = Object.fromEntries(HYPOTHESES.map((h) => [h, ols(h, data)])) as Record<
    Hypothesis,
    Relation
  >;
  const nested = relations.nested;
  return {
    fit,
    animals: data,
    relations,
    winner: relations.serial.aicc < relations.parallel.aicc ? "serial" : "parallel",
    tests: { k: nested.k as Coefficient, a_off: nested.a_off as Coefficient },
    r: pearson(
      data.map((d) => d.x),
      data.map((d) => d.y),
    ),
  };
}
