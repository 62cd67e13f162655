// Fast-phase detection across sampling rates: the velocity estimate (checked against numpy), fast phases at
// 60 Hz, a fast stimulus, and a noisy 1 kHz tracker.
import { describe, expect, it } from "vitest";
import { cycleGain, eyeVelocity, fastPhaseMask, sinusoidBasis } from "../src/analysis/cycle-fit.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { Random } from "../src/random.ts";
import { loadFixture, withNaN } from "./helpers/fixture.ts";

/** One stimulus cycle sampled at `rateHz` with ±10% timestamp jitter: pursuit at `gain`, white noise, steps. */
function cycle(o: {
  rateHz: number;
  frequencyHz?: number;
  gain: number;
  noiseDeg: number;
  seed: number;
  steps?: { at: number; size: number; duration: number }[];
}) {
  const f = o.frequencyHz ?? 0.17;
  const r = new Random(o.seed);
  const n = Math.round(o.rateHz / f);
  const t: number[] = [];
  const x: number[] = [];
  for (let i = 0; i < n; i++) {
    const ti = (i + 0.1 * (2 * r.uniform() - 1)) / o.rateHz;
    const step = (o.steps ?? []).reduce(
      (acc, s) =>
        acc +
        (ti <= s.at
          ? 0
          : ti >= s.at + s.duration
            ? s.size
            : (s.size * (1 - Math.cos((Math.PI * (ti - s.at)) / s.duration))) / 2),
      0,
    );
    t.push(ti);
    x.push(step + o.gain * 10 * Math.sin(2 * Math.PI * f * ti - 0.15) + o.noiseDeg * r.normal());
  }
  return { t, x, frequencyHz: f };
}

describe("sinusoid basis", () => {
  it("equals Math.sin and Math.cos within 1e-14 at every rate (it rotates between exact values)", () => {
    for (const rateHz of [60, 1000]) {
      const c = cycle({ rateHz, frequencyHz: 1.3, gain: 0, noiseDeg: 0, seed: 1 });
      const w = 2 * Math.PI * 1.3;
      const b = sinusoidBasis(c.t, w);
      c.t.forEach((ti, i) => {
        expect(Math.abs((b.sin[i] as number) - Math.sin(w * ti))).toBeLessThan(1e-14);
        expect(Math.abs((b.cos[i] as number) - Math.cos(w * ti))).toBeLessThan(1e-14);
      });
    }
  });
});

describe("eye velocity", () => {
  const ref = loadFixture<{
    windowS: number;
    cases: { rateHz: number; t: number[]; x: (number | null)[]; k: number; v: (number | null)[] }[];
  }>("eye-velocity-numpy");

  it("is the least-squares slope over ±k samples, k ≥ 1, NaN across a blink (numpy polyfit per window)", () => {
    // The reference was computed for the window the analysis uses; a changed setting needs a new reference.
    expect(ref.windowS).toBe(DEFAULT_ANALYSIS.velocityWindowS);
    expect(ref.cases.map((c) => c.rateHz)).toEqual([60, 1000]);
    for (const c of ref.cases) {
      const mine = Array.from(eyeVelocity(c.t, withNaN(c.x), ref.windowS));
      // At 60 Hz the 25 ms window is widened to 3 samples; at 1 kHz it averages 25 samples.
      if (c.rateHz === 60) expect(c.k).toBe(1);
      else expect(c.k).toBeGreaterThanOrEqual(12);
      expect(mine).toHaveLength(c.v.length);
      mine.forEach((v, i) => {
        const r = c.v[i];
        if (r === null || r === undefined) expect(v, `${c.rateHz} Hz sample ${i}`).toBeNaN();
        else
          expect(Math.abs(v - r), `${c.rateHz} Hz sample ${i}`).toBeLessThan(1e-8 * Math.max(1, Math.abs(r)));
      });
    }
  });
});

describe("fast-phase removal across sampling rates", () => {
  it("at 60 Hz removes every sample of 1.5–3° fast phases (20–30 ms, between one and two samples)", () => {
    const steps = [
      { at: 0.8, size: 1.5, duration: 0.02 },
      { at: 2.1, size: -3, duration: 0.03 },
      { at: 3.3, size: 2, duration: 0.025 },
      { at: 4.6, size: -1.5, duration: 0.02 },
    ];
    const c = cycle({ rateHz: 60, gain: 0.6, noiseDeg: 0.05, seed: 4, steps });
    const keep = fastPhaseMask(c.t, c.x, DEFAULT_ANALYSIS.saccadeThresholdDegS, DEFAULT_ANALYSIS);
    c.t.forEach((ti, i) => {
      // Any sample whose interval to a neighbour overlaps a step has moved with it.
      const moving = steps.some((s) => ti >= s.at - 1 / 60 && ti <= s.at + s.duration + 1 / 60);
      if (moving) expect(keep[i], `sample at ${ti.toFixed(3)} s`).toBe(0);
    });
    const g = cycleGain(
      { frequencyHz: c.frequencyHz, commandedAmplitudeDeg: 10, eyeT: c.t, eyeX: c.x, stimT: [], stimX: [] },
      DEFAULT_ANALYSIS,
    );
    expect(g.good).toBe(true);
    expect(Math.abs(g.gain - 0.6)).toBeLessThan(0.01);
  });

  it("does not take a fast stimulus for fast phases (1 Hz, 10°: the eye moves at up to 50°/s)", () => {
    const c = cycle({ rateHz: 250, frequencyHz: 1, gain: 0.8, noiseDeg: 0.05, seed: 5 });
    const g = cycleGain(
      { frequencyHz: 1, commandedAmplitudeDeg: 10, eyeT: c.t, eyeX: c.x, stimT: [], stimX: [] },
      DEFAULT_ANALYSIS,
    );
    expect(g.usedFraction).toBeGreaterThan(0.95);
    expect(Math.abs(g.gain - 0.8)).toBeLessThan(0.01);
  });

  it("at 1 kHz keeps a noisy tracker's samples (0.5° noise) and still removes a 4° fast phase", () => {
    const step = { at: 3, size: 4, duration: 0.03 };
    const c = cycle({ rateHz: 1000, gain: 0.6, noiseDeg: 0.5, seed: 6, steps: [step] });
    const keep = fastPhaseMask(c.t, c.x, DEFAULT_ANALYSIS.saccadeThresholdDegS, DEFAULT_ANALYSIS);
    const kept = keep.reduce((a, b) => a + b, 0) / keep.length;
    expect(kept).toBeGreaterThan(0.8);
    c.t.forEach((ti, i) => {
      if (ti >= step.at && ti <= step.at + step.duration) expect(keep[i], `sample at ${ti} s`).toBe(0);
    });
    const g = cycleGain(
      { frequencyHz: c.frequencyHz, commandedAmplitudeDeg: 10, eyeT: c.t, eyeX: c.x, stimT: [], stimX: [] },
      DEFAULT_ANALYSIS,
    );
    expect(g.good).toBe(true);
    expect(Math.abs(g.gain - 0.6)).toBeLessThan(0.02);
  });
});
