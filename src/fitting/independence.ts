// Online vs offline learning across animals: the study's claim is that they are independent.
// Two statistics. The unbiased one, `independenceTest` (below), correlates measures taken from each
// animal's fitted curve and tests r against a parametric-bootstrap null. The model-free one,
// `onlineOfflineCorrelation`, is what a reader of the session summaries would compute, shown for comparison.
// Model-free, per animal, as the session summary defines them (src/analysis/learning.ts):
//   online  = gain(last training block) − gain(first training block)
//   offline = gain(first block after the rest) − gain(last training block)
// Across animals: Pearson r with a seeded percentile-bootstrap 95% CI (animals resampled).
// Caution when reading r:
// - both measures contain the last training block with opposite signs, so block noise of variance σ²
//   alone gives cov = −σ², a negative bias that matters when σ is not small against the spread of
//   learning between animals;
// - the rest change also contains the loss of online gain during the rest, so even independent online
//   and offline processes (the parallel model) give r < 0 when online gain decays within the rest.
import { learningSummary as sessionLearningOf } from "../analysis/learning.ts";
import { basis, type CohortFit, fitCohort, linearSolve } from "./cohort-fit.ts";
import { onlineOffline, restEndOf, trainingEndOf } from "./hypotheses.ts";
import type { LoadedAnimal } from "./inputs.ts";
import type { AnimalData } from "./model-fit.ts";
import { bootstrapCorrelation, type CorrelationEstimate, pearson, quantileSorted } from "./stats.ts";
import { normals } from "./synthetic.ts";

export interface LearningSummary {
  readonly animal: string;
  /** Gain change during training, or null when there are fewer than 2 usable training blocks. */
  readonly online: number | null;
  /** Gain change over the rest, or null without a usable post-rest block. */
  readonly offline: number | null;
}

export function learningSummary(animal: LoadedAnimal): LearningSummary {
  const s = sessionLearningOf(animal.blocks, animal.windows);
  return { animal: animal.name, online: s.onlineLearning, offline: s.offlineLearning };
}

/** r(online, offline) over animals with both measures; undefined with fewer than 3 such animals. */
export function onlineOfflineCorrelation(
  summaries: readonly LearningSummary[],
  options: { resamples?: number; seed?: number } = {},
): CorrelationEstimate | undefined {
  const both = summaries.filter((s) => s.online !== null && s.offline !== null);
  if (both.length < 3) return undefined;
  return bootstrapCorrelation(
    both.map((s) => s.online as number),
    both.map((s) => s.offline as number),
    options,
  );
}

export interface IndependenceTest {
  /** Pearson r of online learning x_i and the gain at the end of the rest y_i, both from each animal's fitted curve. */
  readonly r: number;
  readonly n: number;
  /** Two-sided p: share of the null's |r*| at least |r| (with the observed one counted, (1 + #)/(1 + B)). */
  readonly p: number;
  /** Middle 95% of the null distribution of r. */
  readonly null95: readonly [number, number];
  readonly resamples: number;
  readonly seed: number;
  readonly method: string;
}

export const INDEPENDENCE_METHOD =
  "Pearson r of online learning (end of training) and gain at the end of the rest above baseline, both from " +
  "each animal's " +
  "fitted curve (no block shared by the two); null distribution by parametric bootstrap from the fitted " +
  "parallel model (each animal's own baseline and online learning, offline levels drawn independently with " +
  "the cohort's mean and SD, the fit's block noise), refitted with the shared time constants held";

/**
 * The unbiased test of "online and offline learning are independent" (src/fitting/hypotheses.ts defines x
 * and y). Whatever correlation the estimation itself makes (x and y share the fitted baseline g0, and online
 * gain left at the test) is in the null distribution, because the null's cohorts are estimated the same way.
 */
export function independenceTest(
  animals: readonly AnimalData[],
  options: { resamples?: number; seed?: number; stage1?: CohortFit } = {},
): IndependenceTest | undefined {
  const { resamples = 999, seed = 1 } = options;
  const fit = options.stage1 ?? fitCohort("parallel", animals);
  const observed = onlineOffline(fit, animals);
  if (observed.length < 4) return undefined;
  const r = pearson(
    observed.map((d) => d.x),
    observed.map((d) => d.y),
  );
  const aOff = fit.animals.map((a) => a.values[4] as number);
  const mean = aOff.reduce((s, v) => s + v, 0) / aOff.length;
  const sd = Math.sqrt(aOff.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, aOff.length - 1));
  // With the shared time constants held, each animal's curve is its basis (blocks, and the end of training
  // and the test for x and y) times its amplitudes (g0, a_on, a_off): a resample is a linear solve per animal.
  const theta = Object.values(fit.shared);
  const used = animals.filter((_, i) => observed.some((d) => d.animal === animals[i]?.name));
  const designs = used.map((a) => {
    const i = animals.indexOf(a);
    const at = [trainingEndOf(a.schedule), restEndOf(a.schedule) as number];
    return {
      blocks: basis("parallel", theta, a.schedule, a.t),
      at: basis("parallel", theta, a.schedule, at),
      beta: Float64Array.of(...[0, 1, 4].map((j) => fit.animals[i]?.values[j] as number)),
      n: a.t.length,
      weights: a.sigma ? Float64Array.from(a.sigma, (s) => 1 / (s * s)) : undefined,
    };
  });
  const blocks = designs.reduce((s, d) => s + d.n, 0);
  const nulls: number[] = [];
  const xs = new Float64Array(designs.length);
  const ys = new Float64Array(designs.length);
  for (let b = 0; b < resamples; b++) {
    const e = normals(blocks + designs.length, seed * 1_000_003 + b);
    let next = designs.length;
    designs.forEach((d, i) => {
      const beta = Float64Array.of(d.beta[0] as number, d.beta[1] as number, mean + sd * (e[i] as number));
      const y = new Float64Array(d.n);
      for (let r = 0; r < d.n; r++) {
        let g = 0;
        for (let c = 0; c < 3; c++) g += (d.blocks[r * 3 + c] as number) * (beta[c] as number);
        y[r] = g + fit.blockSd * (e[next++] as number);
      }
      const est = linearSolve(d.blocks, y, 3, d.weights);
      // x = curve at end of training − g0, y = curve at the test − g0 (the g0 column is 1 everywhere).
      xs[i] = (d.at[1] as number) * (est[1] as number) + (d.at[2] as number) * (est[2] as number);
      ys[i] = (d.at[4] as number) * (est[1] as number) + (d.at[5] as number) * (est[2] as number);
    });
    const rb = pearson(xs, ys);
    if (Number.isFinite(rb)) nulls.push(rb);
  }
  nulls.sort((a, b) => a - b);
  const extreme = nulls.filter((v) => Math.abs(v) >= Math.abs(r)).length;
  return {
    r,
    n: observed.length,
    p: (1 + extreme) / (1 + nulls.length),
    null95: [quantileSorted(nulls, 0.025), quantileSorted(nulls, 0.975)],
    resamples: nulls.length,
    seed,
    method: INDEPENDENCE_METHOD,
  };
}
