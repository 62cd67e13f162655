// The three network states: classifier statistics, the documented coupling sets, the parallel sweep
// that finds them, and modulated inhibition that carries the network through them.
import { describe, expect, test } from "vitest";
import { classify, classifyWindows, DEFAULT_CLASSIFY } from "../src/models/kuramoto/classify.ts";
import { PRESETS, type Run, RunSchema } from "../src/models/kuramoto/model.ts";
import { type GainSchedule, gainAt, lightGainSchedule } from "../src/models/kuramoto/modulation.ts";
import { incoherenceGrowthRate, oaParams, oaPredict } from "../src/models/kuramoto/oa.ts";
import { simulateInProcess } from "../src/models/kuramoto/simulate.ts";
import { cellRun, runSweep, SweepSchema, sweepTsv } from "../src/models/kuramoto/sweep.ts";

const opts = { ...DEFAULT_CLASSIFY, transient: 30 };

function network(K: Run["model"]["K"], extra: Partial<Run> = {}, n = 1000): Run {
  return RunSchema.parse({
    model: {
      E: { n: 0.8 * n, center: 0, width: 1 },
      I: { n: 0.2 * n, center: 0, width: 1 },
      K,
      distribution: "lorentzian",
      sampling: "quantile",
      noise: 0,
    },
    method: "rk4",
    dt: 0.05,
    duration: 100,
    recordEvery: 0.1,
    seed: 1,
    initR0: 0,
    threads: 1,
    ...extra,
  });
}

describe("classifier", () => {
  const t = Array.from({ length: 2000 }, (_, i) => i * 0.1);
  // deterministic "noise" so the test cannot flake
  const wobble = (i: number) => 0.03 * Math.sin(i * 1.7) * Math.cos(i * 0.31);

  test("R switching between two levels every 10 s is bistable, with the dwell times it had", () => {
    const R = t.map((ti, i) => (Math.floor(ti / 10) % 2 === 0 ? 0.7 : 0.05) + wobble(i));
    const c = classify(t, R, { ...DEFAULT_CLASSIFY, transient: 0 });
    expect(c.state).toBe("bistable");
    expect(c.switches).toBe(19);
    expect(c.dwellHigh).toBeCloseTo(10, 0);
    expect(c.dwellLow).toBeCloseTo(10, 0);
    expect(c.fractionHigh).toBeCloseTo(0.5, 1);
    expect(c.bimodality).toBeGreaterThan(5 / 9);
  });

  test("steady high R is sync, steady low R async; a single crossing is not bistable", () => {
    expect(
      classify(
        t,
        t.map((_, i) => 0.6 + wobble(i)),
        opts,
      ).state,
    ).toBe("sync");
    expect(
      classify(
        t,
        t.map((_, i) => 0.05 + wobble(i)),
        opts,
      ).state,
    ).toBe("async");
    // one transition from low to high: switches = 1
    const step = classify(
      t,
      t.map((ti) => (ti < 100 ? 0.05 : 0.7)),
      opts,
    );
    expect(step.switches).toBe(1);
    expect(step.state).toBe("sync");
  });

  test("fluctuations that cross the thresholds around one level are not bimodal", () => {
    // R = 0.22 + 0.12·(pseudo-random, unimodal): crosses both thresholds often
    let s = 1;
    const rnd = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const R = t.map(() => 0.22 + 0.12 * (rnd() + rnd() + rnd() - 1.5));
    const c = classify(t, R, opts);
    expect(c.switches).toBeGreaterThan(2);
    expect(c.bimodality).toBeLessThan(5 / 9);
    expect(c.state).not.toBe("bistable");
  });
});

describe("documented coupling sets", () => {
  test.each(["sync", "async", "bistable"] as const)(
    "preset %s: the simulation and the OA theory agree",
    (name) => {
      const run = network(PRESETS[name]);
      const rec = simulateInProcess(run).recording;
      expect(classify(rec.t, rec.R, opts).state).toBe(name);
      const oa = oaPredict(oaParams(run.model)).state;
      expect(oa).toBe(name === "bistable" ? "alternating" : name);
    },
  );
});

describe("sweep", () => {
  test("a 2×2 sweep over K_EE and K_EI on 2 workers finds sync, bistable and async; TSV and OA boundary", async () => {
    const spec = SweepSchema.parse({
      run: network(PRESETS.bistable),
      x: { coupling: "EE", from: 3, to: 8, steps: 2 },
      y: { coupling: "EI", from: 2, to: 5, steps: 2 },
      classify: opts,
      workers: 2,
    });
    const progress: number[] = [];
    const result = await runSweep(spec, (done) => progress.push(done));
    expect(progress).toEqual([1, 2, 3, 4]);
    const state = (x: number, y: number) =>
      result.cells.find((c) => c.x === x && c.y === y)?.classification.state;
    expect(state(3, 2)).toBe("async");
    expect(state(3, 5)).toBe("async");
    expect(state(8, 2)).toBe("sync");
    expect(state(8, 5)).toBe("bistable");
    // each cell is the run it claims to be: same result in this thread
    const again = simulateInProcess(cellRun(spec, 8, 5)).recording;
    expect(classify(again.t, again.R, opts).meanR).toBe(
      result.cells.find((c) => c.x === 8 && c.y === 5)?.classification.meanR,
    );
    const tsv = sweepTsv(spec, result).trim().split("\n");
    expect(tsv[0]?.split("\t").slice(0, 3)).toEqual(["K_EE", "K_EI", "state"]);
    expect(tsv).toHaveLength(5);
    // the overlay lies where the OA growth rate of incoherence is zero
    expect(result.boundary.length).toBeGreaterThan(0);
    for (const b of result.boundary) {
      expect(Math.abs(incoherenceGrowthRate(oaParams(cellRun(spec, b.x, b.y).model)))).toBeLessThan(1e-9);
    }
  });
});

describe("modulated inhibition", () => {
  test("g(t) = 1 + 0.8 sin(2π·0.005 t) on K_EI and K_II carries the network through all three states", () => {
    const modulation: GainSchedule = {
      kind: "sine",
      depth: 0.8,
      frequency: 0.005,
      phase: 0,
      targets: ["EI", "II"],
    };
    // N = 4000: at N = 1000 the network's finite-size fluctuations near the crossing let a change in the last
    // bits of the step (the kernel's summation order) tip single 20-s windows into another state; at 4000 the
    // windows are the same for either order
    const n = 4000;
    const run = network(PRESETS.crossing, { duration: 400, modulation }, n);
    const rec = simulateInProcess(run).recording;
    rec.t.forEach((t, i) => {
      expect(rec.gain[i]).toBeCloseTo(1 + 0.8 * Math.sin(2 * Math.PI * 0.005 * t), 12);
    });
    const windows = classifyWindows(rec.t, rec.R, 20, { ...DEFAULT_CLASSIFY, transient: 0 });
    expect(new Set(windows.map((w) => w.state))).toEqual(new Set(["sync", "bistable", "async"]));
    // strongest inhibition (g ≈ 1.8 around t = 50 s) desynchronises, weakest (g ≈ 0.2 around 150 s) synchronises
    const at = (t: number) => windows.find((w) => w.start <= t && t < w.end)?.state;
    expect(at(50)).toBe("async");
    expect(at(150)).toBe("sync");
    // without modulation the same network stays put
    const still = simulateInProcess(network(PRESETS.crossing, { duration: 400 }, n)).recording;
    expect(
      new Set(
        classifyWindows(still.t, still.R, 20, { ...DEFAULT_CLASSIFY, transient: 40 }).map((w) => w.state),
      ).size,
    ).toBe(1);
  });

  test("light schedule → inhibition gain: gain while the light is on, 1 otherwise", () => {
    const schedule = lightGainSchedule(
      [
        { on: 10, off: 20 },
        { on: 40, off: 45 },
      ],
      2.5,
    );
    expect([0, 9.99, 10, 15, 20, 30, 42, 45].map((t) => gainAt(schedule, t))).toEqual([
      1, 1, 2.5, 2.5, 1, 1, 2.5, 1,
    ]);
    expect(schedule.targets).toEqual(["EI", "II"]);
    expect(() => lightGainSchedule([{ on: 5, off: 5 }], 2)).toThrow(/off > on/);
    // the simulated network feels it: tripled inhibition during the light desynchronises a synchronous network
    // (OA: K_EI, K_II = 1, 1 → sync; 3, 3 → async)
    const run = network(
      { EE: 5, EI: 1, IE: 8, II: 1 },
      { duration: 120, modulation: lightGainSchedule([{ on: 60, off: 120 }], 3) },
    );
    const rec = simulateInProcess(run).recording;
    const windows = classifyWindows(rec.t, rec.R, 30, { ...DEFAULT_CLASSIFY, transient: 0 });
    expect(windows.map((w) => w.state)).toEqual(["sync", "sync", "async", "async"]);
  });
});
