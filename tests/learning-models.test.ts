// Learning-curve models: predictions against an independent implementation (scipy.linalg.expm of the
// augmented matrix, tests/fixtures/fitting-scipy.py) and against closed forms written here from the equations.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { blocksFor } from "../src/fitting/synthetic.ts";
import { LEARNING_MODELS, MODEL_NAMES, type ModelName } from "../src/models/learning/index.ts";

interface PredictionFixture {
  model: ModelName;
  params: number[];
  stimulusOn: [number, number][];
  t: number[];
  gain: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/fitting-scipy.json", import.meta.url), "utf8"),
) as {
  predictions: PredictionFixture[];
};

const min = (m: number) => m * 60;

describe("learning-curve models", () => {
  it("match scipy expm solutions of the same equations at scattered parameters", () => {
    expect(new Set(fixture.predictions.map((p) => p.model))).toEqual(new Set(MODEL_NAMES));
    for (const p of fixture.predictions) {
      const g = LEARNING_MODELS[p.model].predict(p.params, { stimulusOn: p.stimulusOn }, p.t);
      g.forEach((v, i) => {
        expect(v).toBeCloseTo(p.gain[i] as number, 10);
      });
    }
  });

  it("declare g0 first and start values inside their bounds", () => {
    for (const model of Object.values(LEARNING_MODELS)) {
      expect(model.params[0]?.name).toBe("g0");
      for (const s of model.params) {
        expect(s.lower).toBeLessThan(s.upper);
        expect(s.start).toBeGreaterThanOrEqual(s.lower);
        expect(s.start).toBeLessThanOrEqual(s.upper);
      }
    }
  });

  it("give g0 before any stimulus and do not depend on the order of the times", () => {
    const schedule = { stimulusOn: [[0, min(15)]] as const };
    for (const model of Object.values(LEARNING_MODELS)) {
      const p = model.params.map((s) => s.start);
      expect(Array.from(model.predict(p, schedule, [min(-30), min(-1)]))).toEqual([p[0], p[0]]);
      const times = [min(40), min(3), min(90), min(14)];
      const shuffled = model.predict(p, schedule, times);
      const sorted = model.predict(
        p,
        schedule,
        [...times].sort((a, b) => a - b),
      );
      expect(Array.from(shuffled)).toEqual([sorted[2], sorted[0], sorted[3], sorted[1]]);
    }
  });

  it("parallel: exponential learning during training, online decay plus independent offline rise at rest", () => {
    const [g0, aOn, tauOn, tauD, aOff, tauOff] = [0.4, 0.25, 6, 15, 0.12, 40];
    const T = 15;
    const t = [2, 7.5, 15, 20, 45, 75];
    const g = LEARNING_MODELS.parallel.predict(
      [g0, aOn, tauOn, tauD, aOff, tauOff],
      { stimulusOn: [[0, min(T)]] },
      t.map(min),
    );
    const xT = aOn * (1 - Math.exp(-T / tauOn));
    const expected = t.map((m) =>
      m <= T
        ? g0 + aOn * (1 - Math.exp(-m / tauOn))
        : g0 + xT * Math.exp(-(m - T) / tauD) + aOff * (1 - Math.exp(-(m - T) / tauOff)),
    );
    g.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 12);
    });
  });

  it("serial: after a long rest the offline gain is the fraction f of the online gain at the end of training", () => {
    const [g0, aOn, tauOn, tauD, f] = [0.4, 0.3, 5, 10, 0.4];
    const xT = aOn * (1 - Math.exp(-15 / tauOn));
    const [late] = LEARNING_MODELS.serial.predict([g0, aOn, tauOn, tauD, f], { stimulusOn: [[0, min(15)]] }, [
      min(15 + 50 * tauD),
    ]);
    expect(late).toBeCloseTo(g0 + f * xT, 12);
  });

  it("transfer: cortical learning y = a(1 − e^(−t/τ)) and its integral in the nucleus during training", () => {
    const [g0, a, tauL, tauR, tauV] = [0.4, 0.3, 10, 40, 120];
    const t = [1, 5, 12];
    const g = LEARNING_MODELS.transfer.predict(
      [g0, a, tauL, tauR, tauV],
      { stimulusOn: [[0, min(15)]] },
      t.map(min),
    );
    g.forEach((v, i) => {
      const m = t[i] as number;
      const y = a * (1 - Math.exp(-m / tauL));
      const z = (a * (m - tauL * (1 - Math.exp(-m / tauL)))) / tauV;
      expect(v).toBeCloseTo(g0 + y + z, 12);
    });
  });

  it("two-state: long training settles at target·K/(1+K), K = b_f τ_f + b_s τ_s", () => {
    const [g0, target, bF, tauF, bS, tauS] = [0.4, 0.4, 0.15, 8, 0.02, 200];
    const K = bF * tauF + bS * tauS;
    const [settled] = LEARNING_MODELS["two-state"].predict(
      [g0, target, bF, tauF, bS, tauS],
      { stimulusOn: [[0, min(1e5)]] },
      [min(9e4)],
    );
    expect(settled).toBeCloseTo(g0 + (target * K) / (1 + K), 10);
  });

  it("are driven by every stimulus-on interval of the schedule, not only the first", () => {
    const { schedule, t } = blocksFor([
      [0, 15],
      [60, 75],
    ]);
    for (const model of Object.values(LEARNING_MODELS)) {
      const p = model.params.map((s) => s.start);
      const once = model.predict(p, { stimulusOn: [[0, min(15)]] }, t);
      const twice = model.predict(p, schedule, t);
      const late = t.findIndex((v) => v > min(61));
      expect(twice[late]).not.toBeCloseTo(once[late] as number, 4);
    }
  });
});
