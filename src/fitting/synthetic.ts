// Synthetic learning curves with known parameters: for tests of the fitter, model comparison and the bench.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";
import type { LearningModel, Schedule } from "../models/learning/index.ts";
import type { AnimalData } from "./model-fit.ts";

/**
 * A schedule that identifies every parameter of every model: pretest, trainings of 15, 5 and 5 min
 * separated by rests of 10, 30 and 90 min, a 10-min test; one gain block per minute of stimulus.
 * Minutes: on [−5, 0], [0, 15], [25, 30], [60, 65], [155, 165].
 */
export const RICH_SCHEDULE_MIN: ReadonlyArray<readonly [number, number]> = [
  [-5, 0],
  [0, 15],
  [25, 30],
  [60, 65],
  [155, 165],
];

/** The study's protocol: 15 min training, 60 min rest, 10 min test; one block per minute. */
export const STUDY_SCHEDULE_MIN: ReadonlyArray<readonly [number, number]> = [
  [0, 15],
  [75, 85],
];

/** Stimulus-on schedule (s) and block mid-times (s) for intervals given in minutes. */
export function blocksFor(onMin: ReadonlyArray<readonly [number, number]>): {
  schedule: Schedule;
  t: Float64Array;
} {
  const t: number[] = [];
  for (const [a, b] of onMin) for (let m = a; m < b; m++) t.push((m + 0.5) * 60);
  return {
    schedule: { stimulusOn: onMin.map(([a, b]) => [a * 60, b * 60] as const) },
    t: Float64Array.from(t),
  };
}

/**
 * Seeded standard normal deviates (Box–Muller). Mersenne Twister, not xoroshiro128+: pure-rand's xoroshiro
 * seeded with a small integer starts with uniforms ≈ 1 and correlated draws.
 */
export function normals(count: number, seed: number): Float64Array {
  const rng = mersenne(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - uniformFloat64(rng); // (0, 1]
    const v = uniformFloat64(rng);
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** One animal's blocks: the model's gain at the block times plus Gaussian noise of SD `noise` (gain). */
export function simulateAnimal(
  model: LearningModel,
  params: ArrayLike<number>,
  onMin: ReadonlyArray<readonly [number, number]>,
  noise: number,
  seed: number,
  name = `sim${seed}`,
): AnimalData {
  const { schedule, t } = blocksFor(onMin);
  const clean = model.predict(params, schedule, t);
  const e = normals(t.length, seed);
  return { name, schedule, t, gain: clean.map((g, i) => g + noise * (e[i] as number)) };
}
