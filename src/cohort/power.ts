// Power analysis by simulation: how many animals per group detect a given difference from control?
//
// The between-animal spread is taken from simulated control animals (a pool; each animal's learning
// measures do not depend on the cohort size, so one pool serves every n). For each n, `resamples` pairs of
// cohorts are drawn from the pool with replacement; the treated cohort has `difference` added to the
// measure (a pure shift: same spread as control). Power = fraction of pairs in which Welch's two-sided
// t-test gives p < α.
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { mersenne } from "pure-rand/generator/mersenne";
import { z } from "zod";
import { MEASURES, type Measure } from "./report.ts";
import { describe, welchCore } from "./stats.ts";

export const PowerEffect = z
  .string()
  .regex(/^(online|offline|finalGain|final):-?(\d+\.?\d*|\.\d+)$/, {
    message:
      "expected MEASURE:DIFFERENCE, e.g. online:0.05 (MEASURE is online, offline or final; gain units)",
  })
  .transform((s) => {
    const [name, value] = s.split(":") as [string, string];
    return { measure: (name === "final" ? "finalGain" : name) as Measure, difference: Number(value) };
  })
  .refine((e) => e.difference !== 0, { message: "the difference to detect must not be 0" });
export type PowerEffect = z.infer<typeof PowerEffect>;

export interface PowerOptions {
  readonly alpha?: number;
  /** Power wanted. */
  readonly target?: number;
  /** Cohort pairs drawn per n. */
  readonly resamples?: number;
  readonly seed: number;
  /** Largest n tried, animals per group. */
  readonly maxN?: number;
}

export interface PowerResult {
  readonly measure: Measure;
  readonly difference: number;
  readonly test: string;
  readonly alpha: number;
  readonly target: number;
  /** The control animals the spread comes from. */
  readonly pool: { readonly animals: number; readonly mean: number; readonly sd: number };
  readonly resamples: number;
  readonly seed: number;
  /** Power at each n (animals per group) up to the first n that reaches the target, or maxN. */
  readonly curve: ReadonlyArray<{ readonly n: number; readonly power: number }>;
  /** Smallest n per group with power ≥ target; null if not reached by maxN. */
  readonly n: number | null;
}

export const POWER_TEST = "Welch's two-sample t-test, two-sided, group vs control";

export function powerCurve(pool: readonly number[], effect: PowerEffect, o: PowerOptions): PowerResult {
  if (!MEASURES.includes(effect.measure)) throw new RangeError(`unknown measure ${effect.measure}`);
  if (pool.length < 2) throw new RangeError(`a power analysis needs ≥ 2 pool animals (got ${pool.length})`);
  const { alpha = 0.05, target = 0.8, resamples = 2000, maxN = 100 } = o;
  const rng = mersenne(o.seed);
  const m = pool.length;
  /** Mean and SD of n draws from the pool, plus `shift` (Welford). */
  const sample = (n: number, shift: number) => {
    let mean = 0;
    let m2 = 0;
    for (let i = 1; i <= n; i++) {
      const v = (pool[uniformInt(rng, 0, m - 1)] as number) + shift;
      const d = v - mean;
      mean += d / i;
      m2 += d * (v - mean);
    }
    return { n, mean, sd: Math.sqrt(m2 / (n - 1)) };
  };
  const curve: { n: number; power: number }[] = [];
  let found: number | null = null;
  for (let n = 2; n <= maxN && found === null; n++) {
    let hits = 0;
    for (let r = 0; r < resamples; r++)
      if (welchCore(sample(n, 0), sample(n, effect.difference)).p < alpha) hits++;
    const power = hits / resamples;
    curve.push({ n, power });
    if (power >= target) found = n;
  }
  const d = describe(pool);
  return {
    ...effect,
    test: POWER_TEST,
    alpha,
    target,
    pool: { animals: m, mean: d.mean, sd: d.sd },
    resamples,
    seed: o.seed,
    curve,
    n: found,
  };
}
