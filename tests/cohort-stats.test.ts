// The statistics `hokr simulate` reports, against numpy/scipy: group summaries with t-based CIs, Welch's
// t-test, and the simulated power curve against the noncentral-t power of the same test.
import { expect, describe as group, it } from "vitest";
import { animalSeed } from "../src/cohort/groups.ts";
import { PowerEffect, powerCurve } from "../src/cohort/power.ts";
import { describe, welchTest } from "../src/cohort/stats.ts";
import { loadFixture } from "./helpers/fixture.ts";

const ref = loadFixture<{
  summaries: { x: number[]; mean: number; sd: number; ci: [number, number] }[];
  welch: { a: number[]; b: number[]; t: number; p: number; df: number; ci: [number, number] }[];
  resampling: { pool: number[]; d: number; power: number[] };
}>("cohort-stats-scipy");

group("group summaries", () => {
  it("give numpy's mean and SD (ddof 1) and scipy's t interval", () => {
    expect(ref.summaries.map((r) => r.x.length)).toEqual([2, 5, 12]);
    for (const r of ref.summaries) {
      const x = r.x;
      const d = describe(x);
      expect(d.n).toBe(x.length);
      expect(d.mean).toBeCloseTo(r.mean, 14);
      expect(d.sd).toBeCloseTo(r.sd, 14);
      expect(d.ci95[0]).toBeCloseTo(r.ci[0], 10);
      expect(d.ci95[1]).toBeCloseTo(r.ci[1], 10);
    }
  });

  it("have no SD or CI for a single animal", () => {
    const d = describe([0.3]);
    expect(d.mean).toBe(0.3);
    expect(d.sd).toBeNaN();
    expect(d.ci95[0]).toBeNaN();
  });
});

group("Welch's t-test", () => {
  it("gives scipy's t and two-sided p (ttest_ind, equal_var=False), Welch–Satterthwaite df and the CI", () => {
    expect(ref.welch).toHaveLength(3);
    for (const r of ref.welch) {
      const w = welchTest(r.a, r.b);
      expect(w.t).toBeCloseTo(r.t, 12);
      expect(w.df).toBeCloseTo(r.df, 10);
      expect(Math.abs(w.p / r.p - 1)).toBeLessThan(1e-9);
      expect(w.ci95[0]).toBeCloseTo(r.ci[0], 9);
      expect(w.ci95[1]).toBeCloseTo(r.ci[1], 9);
    }
  });
});

group("power by simulation", () => {
  // Reference: the same resampling done by numpy (its own RNG, 20000 cohort pairs per n) with scipy's
  // Welch test (ttest_ind, equal_var=False): an independent implementation of the same estimate.
  const { pool, power: refPower } = ref.resampling;
  const effect = PowerEffect.parse(`online:${ref.resampling.d}`);
  const result = powerCurve(pool, effect, { seed: 3, resamples: 4000 });
  const refN = refPower.findIndex((p) => p >= 0.8) + 2;

  it("matches numpy's resampled power at every n within Monte Carlo error", () => {
    expect(result.curve.length).toBeGreaterThan(10);
    // SE of the difference ≤ √(0.25/4000 + 0.25/20000) = 0.0087: 0.03 is 3.4 SE.
    for (const { n, power } of result.curve)
      expect(Math.abs(power - (refPower[n - 2] as number)), `n = ${n}`).toBeLessThan(0.03);
  });

  it("stops at the first n with power ≥ 0.8, numpy's n ± 1", () => {
    expect(result.n).not.toBeNull();
    expect(result.curve.at(-1)).toEqual({ n: result.n, power: expect.any(Number) });
    expect(result.curve.at(-1)?.power).toBeGreaterThanOrEqual(0.8);
    expect(result.curve.at(-2)?.power).toBeLessThan(0.8);
    expect(Math.abs((result.n as number) - refN)).toBeLessThanOrEqual(1);
  });

  it("is reproducible from its seed and says when the target is out of reach", () => {
    expect(powerCurve(pool, effect, { seed: 3, resamples: 4000 })).toEqual(result);
    const tiny = powerCurve(pool, PowerEffect.parse("offline:0.001"), { seed: 1, resamples: 200, maxN: 10 });
    expect(tiny.n).toBeNull();
    expect(tiny.curve.map((c) => c.n)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("reads MEASURE:DIFFERENCE and rejects anything else", () => {
    expect(PowerEffect.parse("final:-0.1")).toEqual({ measure: "finalGain", difference: -0.1 });
    for (const bad of ["online", "online:", "gain:0.05", "online:0", "online:5%"])
      expect(PowerEffect.safeParse(bad).success, bad).toBe(false);
  });
});

group("animal seeds", () => {
  it("depend on cohort seed, group and index, and on nothing else", () => {
    const seeds = ["control", "knockout"].flatMap((g) =>
      [1, 2].flatMap((s) => [0, 1, 2].map((i) => animalSeed(s, g as "control", i))),
    );
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(animalSeed(1, "control", 3)).toBe(animalSeed(1, "control", 3));
    for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0 && s < 2 ** 31).toBe(true);
  });
});
