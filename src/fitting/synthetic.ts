// Synthetic learning curves with known parameters: for tests of the fitter, model comparison and the bench.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";
import { LEARNING_MODELS, type LearningModel, type Schedule } from "../models/learning/index.ts";
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

/** The study's protocol as the virtual mouse runs it: 15 one-minute training blocks, 60 min rest, one test block. */
export const STUDY_SINGLE_TEST_MIN: ReadonlyArray<readonly [number, number]> = [
  [0, 15],
  [75, 76],
];

/**
 * Online drive per animal of a 12-animal cohort made of the study's training groups, three each: control (1),
 * LRRC8A knockout (−0.35: gain falls in training), ChR2 in training (1.6), ArchT in training (0) — the virtual
 * mouse's values (mocks/mouse-parameters.ts), so online learning differs between animals.
 */
export const TRAINING_GROUP_DRIVES = [1, 1, 1, -0.35, -0.35, -0.35, 1.6, 1.6, 1.6, 0, 0, 0] as const;

export type CohortHypothesis = "parallel" | "serial" | "transfer" | "two-state";

/**
 * A cohort generated from one hypothesis, animals varying as the virtual mouse's population does (baseline
 * log-SD 0.06 around 0.45; online amplitude 0.22 × drive, log-SD 0.1; τ_on 10 min, log-SD 0.25; offline
 * amplitude log-SD 0.5): parallel = nested with k = 0 (a_off 0.2), serial = nested with a_off = 0 (k 1.2),
 * transfer and two-state with their amplitude scaled by the drive. Block noise SD `noise`, gain.
 */
export function hypothesisCohort(
  hypothesis: CohortHypothesis,
  seed: number,
  {
    noise,
    schedule = STUDY_SINGLE_TEST_MIN,
    drives = TRAINING_GROUP_DRIVES,
  }: {
    noise: number;
    schedule?: ReadonlyArray<readonly [number, number]>;
    drives?: readonly number[];
  },
): AnimalData[] {
  const n = drives.length;
  const e = normals(4 * n, seed);
  return drives.map((drive, i) => {
    const g0 = 0.45 * Math.exp(0.06 * (e[i] as number));
    const amp = 0.22 * Math.exp(0.1 * (e[n + i] as number)) * drive;
    const tauOn = 10 * Math.exp(0.25 * (e[2 * n + i] as number));
    const off = Math.exp(0.5 * (e[3 * n + i] as number));
    const [model, p] =
      hypothesis === "parallel"
        ? (["nested", [g0, amp, tauOn, 12, 0.2 * off, 0, 12]] as const)
        : hypothesis === "serial"
          ? (["nested", [g0, amp, tauOn, 12, 0, 1.2 * off, 12]] as const)
          : hypothesis === "transfer"
            ? (["transfer", [g0, 0.3 * amp, 20, 150, 330]] as const)
            : (["two-state", [g0, 0.4 * amp, 0.15, 8, 0.02, 200]] as const);
    return simulateAnimal(LEARNING_MODELS[model], p, schedule, noise, seed * 100 + i, `a${i}`);
  });
}
