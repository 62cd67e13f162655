// Model recovery: can this design (these animals' schedules and block times, this block noise) tell the
// hypotheses apart? Cohorts are simulated from each fitted hypothesis, classified exactly as the data were,
// and counted in a confusion matrix (rows: generating hypothesis, columns: winner).
//
// Classification of a cohort:
//   1. curves: cohort fits (shared dynamics, per-animal amplitudes) of the nested family's curves, transfer
//      and two-state; the lowest AICc over all blocks wins;
//   2. if the nested family wins: parallel or serial by the across-animal relation (src/fitting/hypotheses.ts).
// Generators, from the data's own fits (each with that fit's block SD as Gaussian block noise):
//   parallel   each animal's fitted g0, a_on and the shared time constants; offline levels a_off drawn
//              independently with the cohort's fitted mean and SD (k = 0)
//   serial     the same, offline target k·x_on(end of training) + scatter: k and the scatter from regressing the
//              fitted offline levels on online learning through the origin (a_off = 0 on average)
//   transfer, two-state  their cohort fits' per-animal values
// Refits start from the models' default start values (one start) so no refit starts at its generator's values.
import { LEARNING_MODELS } from "../models/learning/index.ts";
import { COHORT_MODELS, type CohortFit, type CohortModelName, fitCohort } from "./cohort-fit.ts";
import { type HypothesisTest, testHypotheses, trainingEndOf } from "./hypotheses.ts";
import type { AnimalData } from "./model-fit.ts";
import { normals } from "./synthetic.ts";

export const RECOVERY_CLASSES = ["parallel", "serial", "transfer", "two-state"] as const;
export type RecoveryClass = (typeof RECOVERY_CLASSES)[number];

export interface Classification {
  readonly winner: RecoveryClass;
  /** AICc of each curve model's cohort fit. */
  readonly aicc: Readonly<Record<CohortModelName, number>>;
  readonly hypotheses: HypothesisTest | undefined;
}

const oneStart = (name: CohortModelName) => {
  const amplitudes = new Set(["g0", "a_on", "a_off", "a", "target"]);
  return [LEARNING_MODELS[name].params.filter((p) => !amplitudes.has(p.name)).map((p) => p.start)];
};

/** Classifies a cohort; `fits` reuses cohort fits already made (else one start each). */
export function classify(
  animals: readonly AnimalData[],
  fits: Partial<Record<CohortModelName, CohortFit>> = {},
): Classification & { readonly fits: Record<CohortModelName, CohortFit> } {
  const all = Object.fromEntries(
    COHORT_MODELS.map((m) => [m, fits[m] ?? fitCohort(m, animals, { starts: oneStart(m) })]),
  ) as Record<CohortModelName, CohortFit>;
  const aicc = Object.fromEntries(COHORT_MODELS.map((m) => [m, all[m].aicc])) as Record<
    CohortModelName,
    number
  >;
  const curve = COHORT_MODELS.reduce((b, m) => (aicc[m] < aicc[b] ? m : b));
  const hypotheses = testHypotheses(animals, { stage1: all.parallel });
  return { winner: curve === "parallel" ? hypotheses.winner : curve, aicc, hypotheses, fits: all };
}

export interface Recovery {
  /** Cohorts simulated per generating hypothesis. */
  readonly cohorts: number;
  readonly animals: number;
  readonly seed: number;
  /** confusion[generator][winner] = count. */
  readonly confusion: Readonly<Record<RecoveryClass, Readonly<Record<RecoveryClass, number>>>>;
  /** Share of each generator's cohorts classified as it. */
  readonly hitRate: Readonly<Record<RecoveryClass, number>>;
  /** Share of parallel- and serial-generated cohorts classified as their generator (pooled). */
  readonly parallelVsSerial: number;
  /** Block noise SD each generator used, gain. */
  readonly blockSd: Readonly<Record<RecoveryClass, number>>;
}

/** Cohort of `animals`' design from `values` per animal (full parameter vectors of `model`) plus block noise. */
function simulateCohort(
  animals: readonly AnimalData[],
  model: "nested" | "transfer" | "two-state",
  values: readonly Float64Array[],
  blockSd: number,
  seed: number,
): AnimalData[] {
  const total = animals.reduce((s, a) => s + a.t.length, 0);
  const e = normals(total, seed);
  let at = 0;
  return animals.map((a, i) => {
    const clean = LEARNING_MODELS[model].predict(values[i] as Float64Array, a.schedule, a.t);
    return { ...a, gain: clean.map((g) => g + blockSd * (e[at++] as number)) };
  });
}

/** Per-animal parameter vectors of each generator, drawn afresh per cohort from `z` (standard normals). */
function generators(fits: Record<CohortModelName, CohortFit>, animals: readonly AnimalData[]) {
  const stage1 = fits.parallel;
  const offline = stage1.animals.map((a) => a.values[4] as number);
  const mean = offline.reduce((s, v) => s + v, 0) / offline.length;
  const sd = Math.sqrt(offline.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, offline.length - 1));
  // Online learning at the end of training of every animal (those without a test block too).
  const x = animals.map((a, i) => {
    const values = stage1.animals[i]?.values as Float64Array;
    return (
      (LEARNING_MODELS.parallel.predict(values, a.schedule, [trainingEndOf(a.schedule)])[0] as number) -
      (values[0] as number)
    );
  });
  const sxx = x.reduce((s, v) => s + v * v, 0);
  const k = Math.max(0, x.reduce((s, v, i) => s + v * (offline[i] as number), 0) / sxx);
  const sdSerial = Math.sqrt(
    x.reduce((s, v, i) => s + ((offline[i] as number) - k * v) ** 2, 0) / Math.max(1, x.length - 1),
  );
  // nested parameter order: g0, a_on, tau_on, tau_decay, a_off, k, tau_off (parallel's: no k)
  const nestedOf = (p: Float64Array, aOff: number, kk: number) =>
    Float64Array.of(p[0] as number, p[1] as number, p[2] as number, p[3] as number, aOff, kk, p[5] as number);
  return {
    parallel: (z: Float64Array) =>
      stage1.animals.map((a, i) => nestedOf(a.values, mean + sd * (z[i] as number), 0)),
    serial: (z: Float64Array) =>
      stage1.animals.map((a, i) => nestedOf(a.values, sdSerial * (z[i] as number), k)),
    transfer: () => fits.transfer.animals.map((a) => a.values),
    "two-state": () => fits["two-state"].animals.map((a) => a.values),
  } satisfies Record<RecoveryClass, (z: Float64Array) => Float64Array[]>;
}

/**
 * Model recovery for a cohort's design: `cohorts` simulated cohorts per hypothesis. `fits` are the data's
 * cohort fits (made here with three starts each when not given).
 */
export function modelRecovery(
  animals: readonly AnimalData[],
  options: { cohorts: number; seed?: number; fits?: Record<CohortModelName, CohortFit> },
): Recovery {
  const { cohorts, seed = 1 } = options;
  const fits =
    options.fits ??
    (Object.fromEntries(COHORT_MODELS.map((m) => [m, fitCohort(m, animals)])) as Record<
      CohortModelName,
      CohortFit
    >);
  const gen = generators(fits, animals);
  const blockSd: Record<RecoveryClass, number> = {
    parallel: fits.parallel.blockSd,
    serial: fits.parallel.blockSd,
    transfer: fits.transfer.blockSd,
    "two-state": fits["two-state"].blockSd,
  };
  const model = {
    parallel: "nested",
    serial: "nested",
    transfer: "transfer",
    "two-state": "two-state",
  } as const;
  const confusion = Object.fromEntries(
    RECOVERY_CLASSES.map((g) => [g, Object.fromEntries(RECOVERY_CLASSES.map((w) => [w, 0]))]),
  ) as Record<RecoveryClass, Record<RecoveryClass, number>>;
  RECOVERY_CLASSES.forEach((g, gi) => {
    for (let c = 0; c < cohorts; c++) {
      const s = seed * 7919 + gi * 100_003 + c;
      const values = gen[g](normals(animals.length, s));
      const cohort = simulateCohort(animals, model[g], values, blockSd[g], s + 50_000_017);
      confusion[g][classify(cohort).winner]++;
    }
  });
  const hitRate = Object.fromEntries(RECOVERY_CLASSES.map((g) => [g, confusion[g][g] / cohorts])) as Record<
    RecoveryClass,
    number
  >;
  return {
    cohorts,
    animals: animals.length,
    seed,
    confusion,
    hitRate,
    parallelVsSerial: (confusion.parallel.parallel + confusion.serial.serial) / (2 * cohorts),
    blockSd,
  };
}
