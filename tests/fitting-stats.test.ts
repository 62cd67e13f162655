// Statistics behind the fit reports, against scipy/numpy, and the online/offline correlation on cohorts
// whose answer is known by construction.
import { describe, expect, it } from "vitest";
import { learningSummary, onlineOfflineCorrelation } from "../src/fitting/independence.ts";
import type { LoadedAnimal } from "../src/fitting/inputs.ts";
import { akaikeWeights, bootstrapCorrelation, pearson, studentTQuantile } from "../src/fitting/stats.ts";
import { normals, STUDY_SCHEDULE_MIN, simulateAnimal } from "../src/fitting/synthetic.ts";
import { LEARNING_MODELS, type LearningModel } from "../src/models/learning/index.ts";
import { loadFixture } from "./helpers/fixture.ts";

const ref = loadFixture<{
  quantiles: { p: number; nu: number; q: number }[];
  bootstrap: { x: number[]; y: number[]; r: number; ci95: [number, number] };
}>("fitting-stats-scipy");

describe("Student t quantiles", () => {
  it("match scipy.stats.t.ppf", () => {
    expect(ref.quantiles.length).toBeGreaterThan(30);
    for (const { p, nu, q: scipyQ } of ref.quantiles) {
      const q = studentTQuantile(p, nu);
      // scipy's ppf itself is accurate to ~1e-9 here (see the closed forms below)
      expect(Math.abs(q / scipyQ - 1), `p = ${p}, ν = ${nu}`).toBeLessThan(1e-8);
    }
  });

  it("match the closed forms for 1 and 2 degrees of freedom to full precision", () => {
    for (const p of [0.6, 0.9, 0.975, 0.995]) {
      expect(Math.abs(studentTQuantile(p, 1) / Math.tan(Math.PI * (p - 0.5)) - 1)).toBeLessThan(1e-13);
      const a = 4 * p * (1 - p);
      expect(Math.abs(studentTQuantile(p, 2) / ((2 * p - 1) * Math.sqrt(2 / a)) - 1)).toBeLessThan(1e-13);
    }
  });
});

describe("Akaike weights", () => {
  it("are exp(−Δ/2) normalized, whatever the offset", () => {
    const w = akaikeWeights([102, 100, 110]);
    expect(w[0] as number).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1) + Math.exp(-5)), 14);
    expect(akaikeWeights([2, 0, 10])).toEqual(w);
  });
});

describe("bootstrap correlation", () => {
  const { x, y } = ref.bootstrap;

  it("gives numpy's Pearson r and a percentile CI matching numpy's bootstrap of the same data", () => {
    const est = bootstrapCorrelation(x, y, { resamples: 40_000, seed: 3 });
    expect(est.r).toBeCloseTo(ref.bootstrap.r, 12);
    // Two Monte Carlo estimates of the same percentiles: agree to their sampling error (~0.01).
    expect(Math.abs(est.ci95[0] - ref.bootstrap.ci95[0])).toBeLessThan(0.02);
    expect(Math.abs(est.ci95[1] - ref.bootstrap.ci95[1])).toBeLessThan(0.02);
  });

  it("is reproducible from its seed and changes with it", () => {
    const a = bootstrapCorrelation(x, y, { resamples: 2000, seed: 9 });
    expect(bootstrapCorrelation(x, y, { resamples: 2000, seed: 9 })).toEqual(a);
    expect(bootstrapCorrelation(x, y, { resamples: 2000, seed: 10 }).ci95).not.toEqual(a.ci95);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
  });
});

describe("online vs offline learning across animals", () => {
  /** A cohort whose online asymptote and a second quantity vary independently across animals. */
  function cohort(
    model: LearningModel,
    paramsOf: (u: number, v: number) => number[],
    size: number,
  ): LoadedAnimal[] {
    const u = normals(size, 77);
    const v = normals(size, 78);
    return Array.from({ length: size }, (_, i) => {
      const a = simulateAnimal(
        model,
        paramsOf(u[i] as number, v[i] as number),
        STUDY_SCHEDULE_MIN,
        0.003,
        500 + i,
      );
      const blocks = Array.from(a.t, (t, j) => ({
        block: j,
        phase: t < 900 ? "training" : "test",
        t_s: t,
        t_start_s: t - 30,
        t_end_s: t + 30,
        gain: a.gain[j] as number,
        phase_lag_deg: 0,
        r2: 1,
        cycles_used: 10,
        cycles_total: 10,
        quality: "ok",
      }));
      return {
        ...a,
        source: a.name,
        blocks,
        excluded: [],
        trainingEndS: 900,
        testStartS: 75 * 60,
        warnings: [],
      };
    });
  }

  it("finds no correlation when offline learning is independent of online learning (parallel animals)", () => {
    // Online gain kept through the rest (τ_decay ≫ 60 min), so the rest change is the offline component
    // alone. (With online decay the rest change also loses the online gain: r < 0 even for parallel.)
    const animals = cohort(
      LEARNING_MODELS.parallel,
      (u, v) => [0.45, 0.15 + 0.05 * u, 4, 5000, 0.1 + 0.05 * v, 20],
      30,
    );
    const est = onlineOfflineCorrelation(animals.map(learningSummary), { seed: 1 });
    expect(est?.n).toBe(30);
    expect(est?.ci95[0]).toBeLessThan(0);
    expect(est?.ci95[1]).toBeGreaterThan(0);
  });

  it("finds the correlation when offline learning is a fraction of online learning (serial animals)", () => {
    // The rest change is f × online (consolidated) − online (decayed) = (f − 1) × online: r ≈ −1.
    const animals = cohort(LEARNING_MODELS.serial, (u) => [0.45, 0.15 + 0.05 * u, 4, 10, 0.5], 30);
    const est = onlineOfflineCorrelation(animals.map(learningSummary), { seed: 1 });
    expect(est?.ci95[1]).toBeLessThan(-0.5);
  });

  it("needs at least 3 animals with both measures", () => {
    const animals = cohort(LEARNING_MODELS.serial, (u) => [0.45, 0.15 + 0.05 * u, 4, 10, 0.5], 2);
    expect(onlineOfflineCorrelation(animals.map(learningSummary))).toBeUndefined();
    expect(() => bootstrapCorrelation([1, 2], [3, 4])).toThrow(/≥ 3 paired values/);
  });
});
