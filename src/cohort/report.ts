// What a paper reports about a cohort: per group the learning measures (mean, SD, 95% CI), each group
// against control (Welch's t-test), the online/offline correlation across animals, the mean learning curve,
// and which learning model, parallel or serial, the pooled blocks support (AICc).
import { onlineOfflineCorrelation } from "../fitting/independence.ts";
import { fitModel } from "../fitting/model-fit.ts";
import { akaikeWeights, type CorrelationEstimate, informationCriteria } from "../fitting/stats.ts";
import { LEARNING_MODELS } from "../models/learning/index.ts";
import type { AnimalMetrics, AnimalResult } from "./animal.ts";
import { CONTROL, type GroupName } from "./groups.ts";
import { type Describe, describe, type WelchTest, welchTest } from "./stats.ts";

export const MEASURES = [
  "online",
  "offline",
  "finalGain",
] as const satisfies readonly (keyof AnimalMetrics)[];
export type Measure = (typeof MEASURES)[number];

export const TEST_NAME = "Welch's two-sample t-test (unequal variances), two-sided, each group vs control";

export interface CurvePoint {
  readonly phase: string;
  /** Block mid-time, s since training start. */
  readonly t_s: number;
  readonly gain: Describe;
}

export interface GroupReport {
  readonly group: GroupName;
  readonly protocol: string;
  readonly flags: readonly string[];
  readonly n: number;
  readonly measures: Record<Measure, Describe>;
  /** Welch's t-test of the group against control; null for control itself or without a control group. */
  readonly vsControl: Record<Measure, WelchTest> | null;
  /** Mean gain per block across the group's animals. */
  readonly curve: readonly CurvePoint[];
  readonly animals: ReadonlyArray<AnimalMetrics & { index: number; seed: number; session: string }>;
}

/** The models fitted to the pooled blocks of every animal, ranked by AICc. */
export interface ModelComparison {
  readonly best: string;
  readonly fits: ReadonlyArray<{
    name: string;
    aicc: number;
    deltaAicc: number;
    weight: number;
    sse: number;
    n: number;
    k: number;
    shared: readonly string[];
    converged: boolean;
  }>;
}

export interface CohortReport {
  readonly test: string;
  readonly groups: readonly GroupReport[];
  readonly correlation: {
    /** Group means removed first, so group differences made by the manipulations do not count. */
    readonly withinGroups: CorrelationEstimate | null;
    readonly byGroup: Readonly<Record<string, CorrelationEstimate | null>>;
  };
  readonly models: ModelComparison;
}

export interface GroupInput {
  readonly group: GroupName;
  readonly protocol: string;
  readonly flags: readonly string[];
  readonly animals: readonly (AnimalResult & { session: string })[];
}

const values = (animals: readonly AnimalMetrics[], m: Measure): number[] =>
  animals.flatMap((a) => (a[m] === null ? [] : [a[m] as number]));

/** Mean gain per block; blocks line up across animals by phase and mid-time (the protocols share timing). */
function meanCurve(animals: readonly AnimalResult[]): CurvePoint[] {
  const byBlock = new Map<string, { phase: string; t_s: number; gains: number[] }>();
  for (const a of animals)
    for (const b of a.blocks) {
      const key = `${b.phase}@${b.t_s}`;
      const entry = byBlock.get(key) ?? { phase: b.phase, t_s: b.t_s, gains: [] };
      entry.gains.push(b.gain);
      byBlock.set(key, entry);
    }
  return [...byBlock.values()]
    .sort((x, y) => x.t_s - y.t_s)
    .map((e) => ({ phase: e.phase, t_s: e.t_s, gain: describe(e.gains) }));
}

/**
 * Time constants of the rest are shared by the animals of a group: each animal has a single block after the
 * rest, which cannot separate its own decay and consolidation times (groups differ in what happens during
 * the rest, so they do not share them). Everything else is fitted per animal.
 */
export const SHARED_PARAMETERS = {
  parallel: ["tau_decay_min", "tau_off_min"],
  serial: ["tau_decay_min"],
} as const;

/**
 * Each model fitted to every animal's blocks, one cohort fit per group. The groups' fits are independent,
 * so together they are one least-squares fit of the pooled blocks: χ², n and k add up, and AICc follows from
 * the sums. (One fit of all animals at once gives the same optimum but costs far more: its finite-difference
 * Jacobian evaluates every animal for every parameter.)
 */
export function compareLearningModels(groups: readonly (readonly AnimalResult[])[]): ModelComparison {
  const fits = (["parallel", "serial"] as const).map((name) => {
    const parts = groups.map((animals) =>
      fitModel(
        LEARNING_MODELS[name],
        animals.map((a) => a.data),
        { shared: SHARED_PARAMETERS[name] },
      ),
    );
    const sse = parts.reduce((s, f) => s + f.sse, 0);
    const n = parts.reduce((s, f) => s + f.n, 0);
    const k = parts.reduce((s, f) => s + f.k, 0);
    return { name, sse, n, k, ...informationCriteria(sse, n, k), converged: parts.every((f) => f.converged) };
  });
  const weights = akaikeWeights(fits.map((f) => f.aicc));
  const ranked = fits.map((f, i) => ({ ...f, weight: weights[i] as number })).sort((a, b) => a.aicc - b.aicc);
  const best = ranked[0] as (typeof ranked)[number];
  return {
    best: best.name,
    fits: ranked.map((f) => ({
      name: f.name,
      aicc: f.aicc,
      deltaAicc: f.aicc - best.aicc,
      weight: f.weight,
      sse: f.sse,
      n: f.n,
      k: f.k,
      shared: SHARED_PARAMETERS[f.name],
      converged: f.converged,
    })),
  };
}

export function cohortReport(
  groups: readonly GroupInput[],
  options: { seed: number; resamples?: number },
): CohortReport {
  const control = groups.find((g) => g.group === CONTROL);
  const bootstrap = { seed: options.seed, resamples: options.resamples ?? 10_000 };
  const summaries = (animals: readonly AnimalResult[], centre: boolean) => {
    const mean = (m: Measure) => (centre ? describe(values(animals, m)).mean : 0);
    const [on, off] = [mean("online"), mean("offline")];
    return animals.map((a) => ({
      animal: `${a.group}-${a.index}`,
      online: a.online === null ? null : a.online - on,
      offline: a.offline === null ? null : a.offline - off,
    }));
  };
  const reports = groups.map((g): GroupReport => {
    const measures = Object.fromEntries(MEASURES.map((m) => [m, describe(values(g.animals, m))])) as Record<
      Measure,
      Describe
    >;
    const vsControl =
      control && g !== control
        ? (Object.fromEntries(
            MEASURES.map((m) => [m, welchTest(values(control.animals, m), values(g.animals, m))]),
          ) as Record<Measure, WelchTest>)
        : null;
    return {
      group: g.group,
      protocol: g.protocol,
      flags: g.flags,
      n: g.animals.length,
      measures,
      vsControl,
      curve: meanCurve(g.animals),
      animals: g.animals.map((a) => ({
        index: a.index,
        seed: a.seed,
        session: a.session,
        online: a.online,
        offline: a.offline,
        finalGain: a.finalGain,
      })),
    };
  });
  return {
    test: TEST_NAME,
    groups: reports,
    correlation: {
      withinGroups:
        onlineOfflineCorrelation(
          groups.flatMap((g) => summaries(g.animals, true)),
          bootstrap,
        ) ?? null,
      byGroup: Object.fromEntries(
        groups.map((g) => [
          g.group,
          onlineOfflineCorrelation(summaries(g.animals, false), bootstrap) ?? null,
        ]),
      ),
    },
    models: compareLearningModels(groups.map((g) => g.animals)),
  };
}
