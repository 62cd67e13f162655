// The statistics `hokr simulate` reports, against numpy/scipy: group summaries with t-based CIs, Welch's
// t-test, and the simulated power curve against the noncentral-t power of the same test.
import { expect, describe as group, it } from "vitest";
import { animalSeed } from "../src/cohort/groups.ts";
import { PowerEffect, powerCurve } from "../src/cohort/power.ts";
import { describe, welchTest } from "../src/cohort/stats.ts";
import { normals } from "../src/fitting/synthetic.ts";
import { python } from "./helpers/python.ts";

const sample = (count: number, seed: number, mean: number, sd: number) =>
  Array.from(normals(count, seed), (z) => mean + sd * z);

group("group summaries", () => {
  it("give numpy's mean and SD (ddof 1) and scipy's t interval", () => {
    const samples = [sample(2, 1, 0.2, 0.05), sample(5, 2, 0.2, 0.05), sample(12, 3, 0.2, 0.05)];
    const ref = python<{ mean: number; sd: number; ci: [number, number] }[]>(
      `from scipy import stats
out = []
for x in map(np.array, data):
    m = x.mean(); s = x.std(ddof=1)
    out.append({"mean": m, "sd": s, "ci": list(stats.t.interval(0.95, len(x) - 1, loc=m, scale=s / np.sqrt(len(x))))})
print(json.dumps(out))`,
      samples,
    );
    samples.forEach((x, i) => {
      const d = describe(x);
      const r = ref[i] as (typeof ref)[number];
      expect(d.n).toBe(x.length);
      expect(d.mean).toBeCloseTo(r.mean, 14);
      expect(d.sd).toBeCloseTo(r.sd, 14);
      expect(d.ci95[0]).toBeCloseTo(r.ci[0], 10);
      expect(d.ci95[1]).toBeCloseTo(r.ci[1], 10);
    });
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
    const cases = [
      [sample(12, 4, 0.2, 0.05), sample(12, 5, 0.25, 0.08)],
      [sample(4, 6, 0.1, 0.02), sample(9, 7, 0.1, 0.06)],
      [sample(3, 8, -0.05, 0.03), sample(30, 9, 0.3, 0.1)],
    ];
    const ref = python<{ t: number; p: number; df: number; ci: [number, number] }[]>(
      `from scipy import stats
out = []
for a, b in data:
    a, b = np.array(a), np.array(b)
    r = stats.ttest_ind(b, a, equal_var=False)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    d = b.mean() - a.mean(); h = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    out.append({"t": r.statistic, "p": r.pvalue, "df": df, "ci": [d - h, d + h]})
print(json.dumps(out))`,
      cases,
    );
    cases.forEach(([a, b], i) => {
      const w = welchTest(a as number[], b as number[]);
      const r = ref[i] as (typeof ref)[number];
      expect(w.t).toBeCloseTo(r.t, 12);
      expect(w.df).toBeCloseTo(r.df, 10);
      expect(Math.abs(w.p / r.p - 1)).toBeLessThan(1e-9);
      expect(w.ci95[0]).toBeCloseTo(r.ci[0], 9);
      expect(w.ci95[1]).toBeCloseTo(r.ci[1], 9);
    });
  });
});

group("power by simulation", () => {
  // Reference: the same resampling done by numpy (its own RNG, 20000 cohort pairs per n) with scipy's
  // Welch test (ttest_ind, equal_var=False): an independent implementation of the same estimate.
  const pool = sample(400, 11, 0.2, 0.05);
  const effect = PowerEffect.parse("online:0.05");
  const result = powerCurve(pool, effect, { seed: 3, resamples: 4000 });
  const ref = python<{ power: number[] }>(
    `from scipy import stats
pool = np.array(data["pool"]); d = data["d"]; rng = np.random.default_rng(7); out = []
for n in range(2, 41):
    a = rng.choice(pool, (20000, n)); b = rng.choice(pool, (20000, n)) + d
    out.append(float(np.mean(stats.ttest_ind(b, a, axis=1, equal_var=False).pvalue < 0.05)))
print(json.dumps({"power": out}))`,
    { pool, d: effect.difference },
  );
  const refN = ref.power.findIndex((p) => p >= 0.8) + 2;

  it("matches numpy's resampled power at every n within Monte Carlo error", () => {
    expect(result.curve.length).toBeGreaterThan(10);
    // SE of the difference ≤ √(0.25/4000 + 0.25/20000) = 0.0087: 0.03 is 3.4 SE.
    for (const { n, power } of result.curve)
      expect(Math.abs(power - (ref.power[n - 2] as number)), `n = ${n}`).toBeLessThan(0.03);
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
