// The fitter against scipy.optimize.curve_fit (committed reference values written by
// tests/fixtures/fitting-scipy.py; `npm run oracles` keeps them current), recovery of known parameters, information criteria, model
// comparison and cohort fits.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AnimalData,
  compareModels,
  FitError,
  fitModel,
  type ModelFit,
} from "../src/fitting/model-fit.ts";
import { informationCriteria, studentTQuantile } from "../src/fitting/stats.ts";
import { RICH_SCHEDULE_MIN, STUDY_SCHEDULE_MIN, simulateAnimal } from "../src/fitting/synthetic.ts";
import { LEARNING_MODELS, MODEL_NAMES, type ModelName } from "../src/models/learning/index.ts";

interface ScipyResult {
  names: string[];
  popt: number[];
  perr: number[];
  ci95: [number, number][];
  chisqr: number;
  aic: number;
  aicc: number;
  bic: number;
}
interface Dataset {
  model: ModelName;
  stimulusOn: [number, number][];
  t: number[];
  y: number[];
  sigma?: number[];
  truth: number[];
  scipy: ScipyResult;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/fitting-scipy.json", import.meta.url), "utf8"),
) as {
  datasets: Dataset[];
};

/** Parameters the data below are generated from (same as the reference script's). */
const TRUTH: Record<ModelName, number[]> = {
  parallel: [0.45, 0.25, 6, 15, 0.12, 40],
  serial: [0.45, 0.25, 6, 25, 0.5],
  "two-state": [0.45, 0.4, 0.15, 8, 0.02, 200],
  transfer: [0.45, 0.3, 10, 40, 120],
};

const fitOne = (model: ModelName, data: AnimalData): ModelFit => fitModel(LEARNING_MODELS[model], [data]);

function expectAgreesWithScipy(fit: ModelFit, ref: ScipyResult): void {
  ref.names.forEach((name, i) => {
    const p = fit.params[name];
    if (!p) throw new Error(`missing parameter ${name}`);
    const width = (ref.ci95[i] as [number, number])[1] - (ref.ci95[i] as [number, number])[0];
    expect(Math.abs(p.value / (ref.popt[i] as number) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(p.stderr / (ref.perr[i] as number) - 1)).toBeLessThan(1e-3);
    expect(Math.abs(p.ci95[0] - (ref.ci95[i] as [number, number])[0])).toBeLessThan(1e-4 * width);
    expect(Math.abs(p.ci95[1] - (ref.ci95[i] as [number, number])[1])).toBeLessThan(1e-4 * width);
  });
  expect(fit.sse).toBeCloseTo(ref.chisqr, 9);
  for (const c of ["aic", "aicc", "bic"] as const) expect(fit[c]).toBeCloseTo(ref[c], 6);
}

describe("fitter vs scipy curve_fit", () => {
  it("agrees on the committed reference data sets (every model, equal and per-block weights)", () => {
    expect(new Set(fixture.datasets.map((d) => d.model))).toEqual(new Set(MODEL_NAMES));
    expect(fixture.datasets.some((d) => d.sigma)).toBe(true);
    for (const d of fixture.datasets) {
      const fit = fitOne(d.model, {
        name: "ref",
        schedule: { stimulusOn: d.stimulusOn },
        t: d.t,
        gain: d.y,
        sigma: d.sigma,
      });
      expect(fit.converged).toBe(true);
      expectAgreesWithScipy(fit, d.scipy);
    }
  });
});

describe("fitter", () => {
  it("recovers the generating parameters of each model from noisy data, within 4 standard errors", () => {
    for (const [i, m] of MODEL_NAMES.entries()) {
      for (const seed of [11, 12, 13]) {
        const fit = fitOne(
          m,
          simulateAnimal(LEARNING_MODELS[m], TRUTH[m], RICH_SCHEDULE_MIN, 0.01, 100 * i + seed),
        );
        LEARNING_MODELS[m].params.forEach((spec, j) => {
          const p = fit.params[spec.name];
          const truth = TRUTH[m][j] as number;
          expect(p?.stderr).toBeLessThan(Math.abs(truth)); // informative, not just "contains the truth"
          expect(Math.abs((p?.value ?? Number.NaN) - truth)).toBeLessThan(4 * (p?.stderr ?? 0));
        });
      }
    }
  });

  it("recovers the parameters exactly from noise-free data", () => {
    for (const m of MODEL_NAMES) {
      const clean = simulateAnimal(LEARNING_MODELS[m], TRUTH[m], RICH_SCHEDULE_MIN, 0, 1);
      const noisy = simulateAnimal(LEARNING_MODELS[m], TRUTH[m], RICH_SCHEDULE_MIN, 1e-6, 1);
      // χ² = 0 would make s² = 0; a 1e-6 perturbation keeps the statistics defined.
      expect(fitOne(m, clean).sse).toBeLessThan(1e-20);
      const fit = fitOne(m, noisy);
      LEARNING_MODELS[m].params.forEach((spec, j) => {
        const truth = TRUTH[m][j] as number;
        expect(Math.abs((fit.params[spec.name]?.value ?? Number.NaN) - truth)).toBeLessThan(
          1e-3 * Math.abs(truth),
        );
      });
    }
  });

  it("reports AIC, AICc and BIC by lmfit's formulas and CIs from the t distribution", () => {
    const fit = fitOne(
      "transfer",
      simulateAnimal(LEARNING_MODELS.transfer, TRUTH.transfer, RICH_SCHEDULE_MIN, 0.02, 5),
    );
    const { n, k, sse } = fit;
    expect(fit.aic).toBeCloseTo(n * Math.log(sse / n) + 2 * k, 10);
    expect(fit.bic).toBeCloseTo(n * Math.log(sse / n) + Math.log(n) * k, 10);
    expect(fit.aicc).toBeCloseTo(n * Math.log(sse / n) + 2 * k + (2 * k * (k + 1)) / (n - k - 1), 10);
    expect(informationCriteria(sse, n, k).aicc).toBe(fit.aicc);
    const tau = fit.params.tau_v_min;
    const q = studentTQuantile(0.975, n - k);
    expect(q).toBeGreaterThan(2); // t with few dof is wider than the normal 1.96
    expect(tau?.ci95[1]).toBeCloseTo((tau?.value ?? 0) + q * (tau?.stderr ?? 0), 10);
  });

  it("holds fixed parameters and does not count them", () => {
    const data = simulateAnimal(LEARNING_MODELS.parallel, TRUTH.parallel, STUDY_SCHEDULE_MIN, 0.01, 3);
    const fit = fitModel(LEARNING_MODELS.parallel, [data], { fixed: { tau_decay_min: 15, tau_off_min: 40 } });
    expect(fit.k).toBe(4);
    expect(Object.keys(fit.params)).toEqual(["g0", "a_on", "tau_on_min", "a_off"]);
    expect(fit.animals[0]?.values[3]).toBe(15);
  });

  it("refuses too few blocks for the parameter count, unknown and out-of-bounds parameters, with the fix", () => {
    const data = simulateAnimal(LEARNING_MODELS.parallel, TRUTH.parallel, [[0, 7]], 0.01, 3);
    expect(() => fitModel(LEARNING_MODELS.parallel, [data])).toThrow(
      /parallel: 7 usable block\(s\) for 6 free parameter\(s\); needs at least 8.*--fix/,
    );
    expect(() => fitModel(LEARNING_MODELS.serial, [data], { shared: ["a_off"] })).toThrow(
      /serial: no parameter "a_off" \(its parameters are g0, a_on/,
    );
    expect(() => fitModel(LEARNING_MODELS.serial, [data], { fixed: { f: 2 } })).toThrow(
      /f=2 is outside its bounds \[0, 1\]/,
    );
    expect(() => fitModel(LEARNING_MODELS.serial, [data], { fixed: { f: 2 } })).toThrow(FitError);
  });
});

describe("model comparison", () => {
  // Parallel: little online learning but a large offline gain at rest, which a serial model (offline ≤
  // online) cannot produce. Serial: offline gain half the online gain, consolidated as online decays.
  const GENERATORS = { parallel: [0.45, 0.1, 6, 5, 0.15, 60], serial: [0.45, 0.25, 6, 25, 0.5] } as const;

  it("picks the generating model, parallel or serial, over many seeds", () => {
    const seeds = 40;
    const rates: Record<string, number> = {};
    for (const gen of ["parallel", "serial"] as const) {
      let hits = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const data = simulateAnimal(
          LEARNING_MODELS[gen],
          GENERATORS[gen],
          RICH_SCHEDULE_MIN,
          0.015,
          7000 + seed,
        );
        const { best, fits } = compareModels([fitOne("parallel", data), fitOne("serial", data)]);
        expect(fits.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(1, 12);
        expect(fits[0]?.aicc).toBeLessThanOrEqual(fits[1]?.aicc ?? Number.NaN);
        if (best === gen) hits++;
      }
      rates[gen] = hits / seeds;
    }
    console.log(`model comparison hit rate over ${seeds} seeds (noise SD 0.015):`, rates);
    expect(rates.parallel).toBeGreaterThanOrEqual(0.9);
    expect(rates.serial).toBeGreaterThanOrEqual(0.9);
  });

  it("gives Akaike weights exp(−ΔAICc/2), normalized", () => {
    const data = simulateAnimal(LEARNING_MODELS.serial, GENERATORS.serial, RICH_SCHEDULE_MIN, 0.015, 1);
    const { fits } = compareModels(MODEL_NAMES.map((m) => fitOne(m, data)));
    const [best, ...rest] = fits;
    for (const f of rest)
      expect(f.weight / (best?.weight ?? 1)).toBeCloseTo(Math.exp(-(f.aicc - (best?.aicc ?? 0)) / 2), 12);
  });
});

describe("cohort fits", () => {
  const A_ON = [0.05, 0.1, 0.15, 0.2, 0.25];
  const animals = A_ON.map((aOn, i) =>
    simulateAnimal(
      LEARNING_MODELS.parallel,
      [0.4 + 0.02 * i, aOn, 6, 15, 0.2 - aOn / 2, 40],
      STUDY_SCHEDULE_MIN,
      0.01,
      40 + i,
      `m${i}`,
    ),
  );

  it("without shared parameters equal separate per-animal fits", () => {
    const fixed = { tau_decay_min: 15, tau_off_min: 40 };
    const cohort = fitModel(LEARNING_MODELS.parallel, animals, { fixed });
    const single = animals.map((a) => fitModel(LEARNING_MODELS.parallel, [a], { fixed }));
    expect(cohort.k).toBe(4 * animals.length);
    expect(cohort.sse).toBeCloseTo(
      single.reduce((s, f) => s + f.sse, 0),
      12,
    );
    animals.forEach((a, i) => {
      expect(cohort.params[`a_on@${a.name}`]?.value).toBeCloseTo(
        single[i]?.params.a_on?.value ?? Number.NaN,
        6,
      );
    });
  });

  it("report parameters the schedule cannot determine as not identifiable", () => {
    const fit = fitModel(LEARNING_MODELS.parallel, animals, {
      shared: ["tau_on_min", "tau_decay_min", "tau_off_min"],
    });
    expect(fit.identifiable).toBe(false);
  });

  it("estimate shared parameters once and the rest per animal, recovering both", () => {
    // On the study's schedule (one rest, then a test) τ_off only scales a_off: it must be fixed.
    const fit = fitModel(LEARNING_MODELS.parallel, animals, {
      shared: ["tau_on_min", "tau_decay_min"],
      fixed: { tau_off_min: 40 },
    });
    expect(fit.identifiable).toBe(true);
    expect(fit.k).toBe(2 + 3 * animals.length);
    expect(fit.n).toBe(animals.reduce((s, a) => s + a.t.length, 0));
    for (const [name, truth] of [
      ["tau_on_min", 6],
      ["tau_decay_min", 15],
    ] as const) {
      const p = fit.params[name];
      expect(Math.abs((p?.value ?? 0) - truth)).toBeLessThan(4 * (p?.stderr ?? 0));
    }
    animals.forEach((a, i) => {
      const p = fit.params[`a_on@${a.name}`];
      expect(Math.abs((p?.value ?? 0) - (A_ON[i] as number))).toBeLessThan(4 * (p?.stderr ?? 0));
    });
  });
});
