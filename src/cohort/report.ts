// What a paper reports about a cohort: per group the learning measures (mean, SD, 95% CI), each group
// against control (Welch's t-test), the mean learning curve, the learning models' cohort fits (AICc), and the
// study's claims each with its test, effect size and 95% CI:
//   1. online learning differs by group (Welch vs control)
//   2. the final gain after the rest does not, except with ArchT during the rest (Welch vs control)
//   3. online and offline learning are independent (src/fitting/independence.ts: r of fitted-curve measures
//      against a parametric-bootstrap null from the fitted parallel model)
//   4. parallel rather than serial (src/fitting/hypotheses.ts: tests of k and a_off across animals; model
//      recovery's hit rate for this design when asked)
// Claims 3 and 4 use the groups that manipulate training only (control, knockout, ChR2/ArchT in training):
// their online learning differs while their rest is the same, which is what separates the hypotheses.
import { COHORT_MODELS, fitCohort } from "../fitting/cohort-fit.ts";
import { type HypothesisTest, testHypotheses } from "../fitting/hypotheses.ts";
import { type IndependenceTest, independenceTest } from "../fitting/independence.ts";
import { modelRecovery, type Recovery } from "../fitting/recovery.ts";
import { akaikeWeights, informationCriteria } from "../fitting/stats.ts";
import type { AnimalMetrics, AnimalResult } from "./animal.ts";
import { CONTROL, GROUPS, type GroupName } from "./groups.ts";
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

/** The curve models' cohort fits (shared dynamics within a group, per-animal amplitudes), summed over groups. */
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

export interface Claim {
  readonly claim: string;
  readonly test: string;
  /** What the effect is (e.g. "difference in online learning, gain"), its value and 95% CI. */
  readonly effect: {
    readonly name: string;
    readonly value: number;
    readonly ci95: readonly [number, number];
  };
  readonly p: number;
  /** Whether the data agree with the claim at α = 0.05 (a claim of no difference: p ≥ 0.05). */
  readonly supported: boolean;
}

export interface CohortReport {
  readonly test: string;
  readonly groups: readonly GroupReport[];
  readonly models: ModelComparison;
  /** Claims 3 and 4 over the training groups; null with fewer than 4 such animals. */
  readonly independence: IndependenceTest | null;
  readonly hypotheses: (Omit<HypothesisTest, "fit"> & { readonly groups: readonly string[] }) | null;
  readonly recovery: Recovery | null;
  readonly claims: readonly Claim[];
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
 * Each curve model fitted per group (time constants shared by the group's animals, which differ from other
 * groups' in what happens during the rest), summed over groups: the groups' fits are independent, so together
 * they are one least-squares fit of the pooled blocks and χ², n and k add up.
 */
export function compareLearningModels(groups: readonly (readonly AnimalResult[])[]): ModelComparison {
  const fits = COHORT_MODELS.map((name) => {
    const parts = groups.map((animals) =>
      fitCohort(
        name,
        animals.map((a) => a.data),
      ),
    );
    const sse = parts.reduce((s, f) => s + f.sse, 0);
    const n = parts.reduce((s, f) => s + f.n, 0);
    const k = parts.reduce((s, f) => s + f.k, 0);
    const shared = Object.keys(parts[0]?.shared ?? {});
    return {
      name,
      sse,
      n,
      k,
      shared,
      ...informationCriteria(sse, n, k),
      converged: parts.every((f) => f.converged),
    };
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
      shared: f.shared,
      converged: f.converged,
    })),
  };
}

const ALPHA = 0.05;

function claimsOf(
  reports: readonly GroupReport[],
  independence: IndependenceTest | null,
  hypotheses: CohortReport["hypotheses"],
  recovery: Recovery | null,
): Claim[] {
  const claims: Claim[] = [];
  for (const g of reports) {
    const online = g.vsControl?.online;
    if (online && GROUPS[g.group].manipulates !== "rest")
      claims.push({
        claim: `online learning of ${g.group} differs from control`,
        test: TEST_NAME,
        effect: {
          name: "difference in online learning (group − control), gain",
          value: online.difference,
          ci95: online.ci95,
        },
        p: online.p,
        supported: online.p < ALPHA,
      });
  }
  for (const g of reports) {
    const final = g.vsControl?.finalGain;
    if (!final) continue;
    const differs = g.group === "archt-rest";
    claims.push({
      claim: differs
        ? "final gain after the rest is higher with ArchT during the rest than in control"
        : `final gain after the rest of ${g.group} does not differ from control`,
      test: TEST_NAME,
      effect: {
        name: "difference in final gain (group − control), gain",
        value: final.difference,
        ci95: final.ci95,
      },
      p: final.p,
      supported: differs ? final.p < ALPHA && final.difference > 0 : final.p >= ALPHA,
    });
  }
  if (independence)
    claims.push({
      claim: "online and offline learning are independent across animals",
      test: independence.method,
      effect: {
        name: "Pearson r (95% of the null in ci95)",
        value: independence.r,
        ci95: independence.null95,
      },
      p: independence.p,
      supported: independence.p >= ALPHA,
    });
  if (hypotheses) {
    const { k, a_off } = hypotheses.tests;
    claims.push({
      claim:
        "offline learning does not scale with online learning (k = 0: parallel, not serial)" +
        (recovery
          ? `; this design tells them apart in ${Math.round(100 * recovery.parallelVsSerial)}% of simulated cohorts`
          : ""),
      test: "t-test of the slope k in y = a_off + k·x across animals (x online learning, y gain at the end of the rest above baseline)",
      effect: {
        name: "k (gain at the end of the rest per unit online learning)",
        value: k.value,
        ci95: k.ci95,
      },
      p: k.p,
      supported: k.p >= ALPHA && hypotheses.winner === "parallel",
    });
    claims.push({
      claim: "there is offline learning without online learning (a_off > 0)",
      test: "t-test of the intercept a_off in y = a_off + k·x across animals",
      effect: { name: "a_off, gain", value: a_off.value, ci95: a_off.ci95 },
      p: a_off.p,
      supported: a_off.p < ALPHA && a_off.value > 0,
    });
  }
  return claims;
}

export function cohortReport(
  groups: readonly GroupInput[],
  options: { seed: number; resamples?: number; recovery?: number },
): CohortReport {
  const control = groups.find((g) => g.group === CONTROL);
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
  // Claims 3 and 4: the groups that manipulate training only.
  const training = groups.filter((g) => GROUPS[g.group].manipulates !== "rest");
  const data = training.flatMap((g) => g.animals.map((a) => a.data));
  let hypotheses: CohortReport["hypotheses"] = null;
  let independence: IndependenceTest | null = null;
  let recovery: Recovery | null = null;
  if (data.length >= 4) {
    const { fit, ...test } = testHypotheses(data);
    hypotheses = { ...test, groups: training.map((g) => g.group) };
    independence =
      independenceTest(data, { stage1: fit, seed: options.seed, resamples: options.resamples ?? 999 }) ??
      null;
    if (options.recovery) recovery = modelRecovery(data, { cohorts: options.recovery, seed: options.seed });
  }
  return {
    test: TEST_NAME,
    groups: reports,
    models: compareLearningModels(groups.map((g) => g.animals)),
    independence,
    hypotheses,
    recovery,
    claims: claimsOf(reports, independence, hypotheses, recovery),
  };
}
