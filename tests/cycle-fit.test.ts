// Per-cycle gain: fast-phase removal and the sinusoid fit, checked against closed forms and numpy.
import { describe, expect, it } from "vitest";
import { cycleGain, fastPhaseMask, fitSinusoid } from "../src/analysis/cycle-fit.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { Random } from "../src/random.ts";
import { loadFixture } from "./helpers/fixture.ts";

const F = 0.17;
const OMEGA = 2 * Math.PI * F;
const RATE = 200;

/** One cycle of a synthetic eye trace: known gain and lag, fast phases at given times, a blink, noise, drift. */
function syntheticCycle(o: {
  gain: number;
  lagDeg: number;
  saccadesS: number[];
  blinkS?: [number, number];
  seed: number;
}) {
  const r = new Random(o.seed);
  const n = Math.round(RATE / F);
  const t: number[] = [];
  const x: number[] = [];
  let offset = 0.7;
  for (let i = 0; i < n; i++) {
    const ti = i / RATE;
    // Each fast phase: a 25 ms smooth 3° step of the offset.
    const steps = o.saccadesS.reduce(
      (acc, s) =>
        acc + (ti < s ? 0 : ti > s + 0.025 ? 3 : 1.5 * (1 - Math.cos((Math.PI * (ti - s)) / 0.025))),
      0,
    );
    offset += 0.002 * r.normal();
    const blink = o.blinkS && ti >= o.blinkS[0] && ti < o.blinkS[1];
    t.push(ti);
    x.push(
      blink
        ? Number.NaN
        : offset +
            steps +
            o.gain * 10 * Math.sin(OMEGA * ti - (o.lagDeg * Math.PI) / 180) +
            0.05 * r.normal(),
    );
  }
  const stimT = t.filter((_, i) => i % 2 === 0);
  return { t, x, stimT, stimX: stimT.map((s) => 10 * Math.sin(OMEGA * s)) };
}

describe("fitSinusoid", () => {
  it("agrees with numpy least squares on sin, cos, drift and one offset per stretch", () => {
    // numpy: the full design matrix with an indicator column per kept stretch, solved by lstsq, on a cycle and
    // a kept-sample mask made by the reference script (tests/fixtures/sinusoid-fit-numpy.py).
    const ref = loadFixture<{
      omega: number;
      t: number[];
      x: number[];
      keep: number[];
      amplitudeDeg: number;
      phaseDeg: number;
      r2: number;
      segments: number;
    }>("sinusoid-fit-numpy");
    const mine = fitSinusoid(ref.t, ref.x, Uint8Array.from(ref.keep), ref.omega, true);
    expect(mine).not.toBeNull();
    expect(ref.segments).toBeGreaterThan(1);
    expect(mine?.segments).toBe(ref.segments);
    expect(mine?.amplitudeDeg).toBeCloseTo(ref.amplitudeDeg, 10);
    expect(mine?.phaseDeg).toBeCloseTo(ref.phaseDeg, 8);
    expect(mine?.r2).toBeCloseTo(ref.r2, 10);
  });

  it("recovers amplitude and phase of a clean sinusoid exactly (closed form)", () => {
    const t = Array.from({ length: 1000 }, (_, i) => i / 200);
    const x = t.map((s) => 4 + 3 * Math.sin(OMEGA * s + 0.5));
    const fit = fitSinusoid(t, x, null, OMEGA, false);
    expect(fit?.amplitudeDeg).toBeCloseTo(3, 10);
    expect(fit?.phaseDeg).toBeCloseTo((0.5 * 180) / Math.PI, 8);
    expect(fit?.r2).toBeCloseTo(1, 10);
  });
});

describe("fast-phase removal", () => {
  it("drops every fast-phase and blink sample, with padding, and keeps the rest", () => {
    const saccades = [0.8, 2.1, 4.4];
    const c = syntheticCycle({ gain: 0.5, lagDeg: 10, saccadesS: saccades, blinkS: [3.0, 3.2], seed: 3 });
    const keep = fastPhaseMask(c.t, c.x, 40, DEFAULT_ANALYSIS);
    c.t.forEach((ti, i) => {
      const inSaccade = saccades.some((s) => ti >= s && ti <= s + 0.025);
      const inBlink = ti >= 3.0 && ti < 3.2;
      if (inSaccade || inBlink) expect(keep[i], `sample at ${ti} s`).toBe(0);
    });
    // Removed: 3 × (25 ms + 2 × 50 ms padding + velocity window) + (200 ms blink + padding) ≈ 0.75 s of 5.9 s.
    const kept = keep.reduce((a, b) => a + b, 0) / keep.length;
    expect(kept).toBeGreaterThan(0.85);
  });
});

describe("cycleGain", () => {
  it("recovers gain and lag despite fast phases and a blink, where a plain sinusoid fit is biased", () => {
    const c = syntheticCycle({
      gain: 0.55,
      lagDeg: 12,
      saccadesS: [1.0, 2.5, 4.2],
      blinkS: [5.0, 5.25],
      seed: 11,
    });
    const g = cycleGain(
      { frequencyHz: F, commandedAmplitudeDeg: 10, eyeT: c.t, eyeX: c.x, stimT: c.stimT, stimX: c.stimX },
      DEFAULT_ANALYSIS,
    );
    expect(g.good).toBe(true);
    expect(g.gain).toBeCloseTo(0.55, 2);
    // The random-walk drift (0.028°/√s) alone moves one cycle's lag by ~0.3° SD (seeds 1–5: 11.6–12.3°).
    expect(Math.abs(g.phaseLagDeg - 12)).toBeLessThan(1);
    // Without removal (blink samples dropped only), the position steps bias the fit badly.
    const finite = c.t.map((_, i) => (Number.isNaN(c.x[i] as number) ? 0 : 1));
    const naive = fitSinusoid(
      c.t,
      c.x.map((v) => (Number.isNaN(v) ? 0 : v)),
      Uint8Array.from(finite),
      OMEGA,
      false,
    );
    expect(Math.abs((naive?.amplitudeDeg ?? 0) / 10 - 0.55)).toBeGreaterThan(0.05);
  });

  it("marks a cycle without usable samples as not good instead of inventing a gain", () => {
    const t = Array.from({ length: 1176 }, (_, i) => i / 200);
    const g = cycleGain(
      {
        frequencyHz: F,
        commandedAmplitudeDeg: 10,
        eyeT: t,
        eyeX: t.map(() => Number.NaN),
        stimT: [],
        stimX: [],
      },
      DEFAULT_ANALYSIS,
    );
    expect(g.good).toBe(false);
    expect(g.gain).toBeNaN();
  });
});
