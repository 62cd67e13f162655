// EI-Kuramoto simulator and Ott–Antonsen theory against closed forms and an independent numpy/scipy
// implementation of the same equations.
import { describe, expect, test } from "vitest";
import { type Run, RunSchema } from "../src/models/kuramoto/model.ts";
import {
  coherentFixedPoints,
  incoherenceEigenvalues,
  oaParams,
  oaPredict,
  oaTrajectory,
  singlePopulationR,
} from "../src/models/kuramoto/oa.ts";
import { initialConditions, simulate, simulateInProcess } from "../src/models/kuramoto/simulate.ts";
import { loadFixture } from "./helpers/fixture.ts";

type RunInput = Omit<Run, "model"> & { model: Partial<Run["model"]> & Pick<Run["model"], "K"> };

function makeRun(r: Partial<RunInput> & Pick<RunInput, "model">): Run {
  return RunSchema.parse({
    method: "rk4",
    dt: 0.05,
    duration: 10,
    recordEvery: 0.5,
    seed: 1,
    initR0: 1,
    threads: 1,
    ...r,
    model: {
      E: { n: 1000, center: 0, width: 1 },
      I: { n: 0, center: 0, width: 1 },
      distribution: "lorentzian",
      sampling: "quantile",
      noise: 0,
      ...r.model,
    },
  });
}

const single = (K: number, n: number, extra: Partial<RunInput> = {}) =>
  makeRun({ ...extra, model: { E: { n, center: 0, width: 1 }, K: { EE: K, EI: 0, IE: 0, II: 0 } } });

describe("single excitatory population, Lorentzian half-width Δ = 1 rad/s", () => {
  // The OA manifold contains the all-in-phase start (R = 1), so the whole trajectory R(t), not only R∞,
  // must follow the OA solution; R∞ = √(1 − 2Δ/K) for K > 2Δ and 0 below.
  test.each([1.5, 2.5, 4, 8])("N = 1e5 simulator follows OA and R∞ at K = %f rad/s within 0.02", (K) => {
    const run = single(K, 100_000, { dt: 0.2, duration: 20, recordEvery: 1 });
    const sim = simulateInProcess(run).recording;
    const oa = oaTrajectory(oaParams(run.model), [1, 0, 0, 0], 20, 0.001, 1);
    for (let i = 0; i < sim.R.length; i++)
      expect(Math.abs((sim.R[i] as number) - (oa.R[i] as number))).toBeLessThan(0.02);
    const Rend = sim.R.at(-1) as number;
    if (K > 2) expect(Math.abs(Rend - Math.sqrt(1 - 2 / K))).toBeLessThan(0.02);
    else expect(Rend).toBeLessThan(0.02);
  });

  test.each([2.2, 3, 5, 10])(
    "OA fixed point and OA integration give √(1 − 2Δ/K) within 1e-6 at K = %f",
    (K) => {
      const p = oaParams(single(K, 1000).model);
      const exact = Math.sqrt(1 - 2 / K);
      expect(singlePopulationR(K, 1)).toBeCloseTo(exact, 14);
      const fps = coherentFixedPoints(p);
      expect(fps).toHaveLength(1);
      expect(Math.abs((fps[0]?.R as number) - exact)).toBeLessThan(1e-6);
      expect(fps[0]?.stable).toBe(true);
      // relaxation rate of R at the fixed point is K − 2Δ
      expect(fps[0]?.eigenvalues[0]?.re).toBeCloseTo(-(K - 2), 5);
      const rec = oaTrajectory(p, [0.5, 0, 0, 0], 40 / (K - 2), 0.005, 1);
      expect(Math.abs((rec.R.at(-1) as number) - exact)).toBeLessThan(1e-6);
    },
  );

  test("incoherence loses stability at K = 2Δ and no coherent state exists below", () => {
    const rate = (K: number) => incoherenceEigenvalues(oaParams(single(K, 10).model))[0]?.re as number;
    expect(rate(1.9)).toBeCloseTo(-0.05, 12);
    expect(rate(2.1)).toBeCloseTo(0.05, 12);
    expect(coherentFixedPoints(oaParams(single(1.9, 10).model))).toHaveLength(0);
    expect(oaPredict(oaParams(single(1.9, 10).model)).state).toBe("async");
    expect(oaPredict(oaParams(single(2.5, 10).model)).state).toBe("sync");
  });
});

describe("noise", () => {
  test("Euler–Maruyama increments √(2D·dt)·N(0,1): uncoupled identical oscillators give R(t) = e^{−Dt}", () => {
    const run = makeRun({
      method: "euler",
      dt: 0.01,
      duration: 1,
      recordEvery: 0.25,
      model: { E: { n: 100_000, center: 0, width: 0 }, K: { EE: 0, EI: 0, IE: 0, II: 0 }, noise: 0.5 },
    });
    const rec = simulateInProcess(run).recording;
    // ⟨e^{iθ}⟩ = e^{−Var θ/2}, Var θ = 2Dt; finite-N error ~ 1/√N
    rec.t.forEach((t, i) => {
      expect(Math.abs((rec.R[i] as number) - Math.exp(-0.5 * t))).toBeLessThan(0.01);
    });
  });

  test("same seed, same run; another seed, another run", () => {
    const run = threaded("euler");
    const a = simulateInProcess(run).recording;
    expect(Array.from(simulateInProcess(run).recording.R)).toEqual(Array.from(a.R));
    expect(Array.from(simulateInProcess({ ...run, seed: 8 }).recording.R)).not.toEqual(Array.from(a.R));
  });
});

// Odd population sizes spanning several chunks of the kernel (so chunk ends, odd tails and the E/I boundary
// fall inside threads' shares differently for each thread count), wide Lorentzian tails (large turns per
// step), modulated inhibition; Euler–Maruyama with noise, or RK4. Recorded every step.
function threaded(method: "euler" | "rk4"): Run {
  return makeRun({
    method,
    dt: 0.01,
    duration: 0.3,
    recordEvery: 0.01,
    seed: 7,
    initR0: 0.3,
    modulation: { kind: "sine", depth: 0.5, frequency: 2, phase: 0, targets: ["EI", "II"] },
    model: {
      E: { n: 13_001, center: 0, width: 1 },
      I: { n: 4_097, center: 0.5, width: 1 },
      K: { EE: 8, EI: 5, IE: 8, II: 2 },
      noise: method === "euler" ? 0.2 : 0,
    },
  });
}

describe("bit-identical for any number of threads", () => {
  test.each(["euler", "rk4"] as const)(
    "%s: 1, 2, 3 and 4 threads give the same recording to the last bit",
    async (method) => {
      const run = threaded(method);
      const one = simulateInProcess(run).recording;
      expect(Math.max(...one.R) - Math.min(...one.R)).toBeGreaterThan(0.05);
      for (const threads of [2, 3, 4]) {
        const rec = (await simulate({ ...run, threads })).recording;
        for (const key of ["RE", "psiE", "RI", "psiI", "R", "psi", "gain"] as const)
          expect(
            Buffer.from(rec[key].buffer).equals(Buffer.from(one[key].buffer)),
            `${threads} threads: ${key}`,
          ).toBe(true);
      }
    },
  );
});

/** A network, its step and R_E, R_I, R every `stride` steps, as the numpy reference computed them. */
interface Trajectory {
  nE: number;
  nI: number;
  /** centre, width (rad/s) */
  E: [number, number];
  I: [number, number];
  K: { EE: number; EI: number; IE: number; II: number };
  dt: number;
  steps: number;
  stride: number;
  RE: number[];
  RI: number[];
  R: number[];
}

describe("two populations (E and I) against numpy", () => {
  // Independent numpy/scipy implementation of the same equations (tests/fixtures/kuramoto-scipy.py).
  const ref = loadFixture<{
    rk4: Trajectory;
    euler: Trajectory;
    quantiles: { n: number; center: number; width: number; omega: number[] };
    oa: {
      K: { EE: number; EI: number; IE: number; II: number };
      omegaE: number;
      omegaI: number;
      z0: [number, number, number, number];
      RE: number[];
      RI: number[];
    };
  }>("kuramoto-scipy");

  // Quantile frequencies and all phases at 0 (initR0 = 1): the reference builds the same start itself. RK4 with
  // Gaussian frequencies; Euler with Lorentzian ones, whose tails turn by up to ~50 rad a step.
  test.each([
    ["rk4", "gaussian"],
    ["euler", "lorentzian"],
  ] as const)(
    "%s trajectory of R_E, R_I, R matches numpy to 1e-9 (%s frequencies)",
    (method, distribution) => {
      const r = ref[method];
      const run = makeRun({
        method,
        dt: r.dt,
        duration: r.dt * r.steps,
        recordEvery: r.dt * r.stride,
        initR0: 1,
        model: {
          E: { n: r.nE, center: r.E[0], width: r.E[1] },
          I: { n: r.nI, center: r.I[0], width: r.I[1] },
          K: r.K,
          distribution,
          sampling: "quantile",
        },
      });
      const rec = simulateInProcess(run).recording;
      expect(rec.R).toHaveLength(r.R.length);
      for (const key of ["RE", "RI", "R"] as const)
        r[key].forEach((v, i) => {
          expect(Math.abs((rec[key][i] as number) - v), `${key}[${i}]`).toBeLessThan(1e-9);
        });
      // R must have moved, or the comparison would prove nothing
      expect(Math.max(...rec.R) - Math.min(...rec.R)).toBeGreaterThan(0.2);
    },
  );

  test("Gaussian quantile frequencies are scipy's norm.ppf((j + ½)/N)", () => {
    const q = ref.quantiles;
    const run = makeRun({
      model: {
        E: { n: q.n, center: q.center, width: q.width },
        K: { EE: 0, EI: 0, IE: 0, II: 0 },
        distribution: "gaussian",
      },
    });
    const { omega } = initialConditions(run);
    expect(omega).toHaveLength(q.omega.length);
    q.omega.forEach((w, j) => {
      expect(Math.abs((omega[j] as number) - w)).toBeLessThan(1e-9);
    });
  });

  const EI = { EE: 8, EI: 5, IE: 8, II: 2 };
  const eiModel = (K: typeof EI, n = 100_000) => ({
    E: { n: 0.8 * n, center: 0, width: 1 },
    I: { n: 0.2 * n, center: 0, width: 1 },
    K,
  });

  test("two-population OA trajectory matches scipy solve_ivp of the same complex ODEs to 1e-6", () => {
    const o = ref.oa;
    expect(o.omegaI).toBe(0); // the I population keeps eiModel's centre 0
    const model = { ...eiModel(o.K), E: { n: 800, center: o.omegaE, width: 1 } };
    const rec = oaTrajectory(oaParams(makeRun({ model }).model), o.z0, 20, 0.002, 1);
    expect(rec.RE).toHaveLength(o.RE.length);
    o.RE.forEach((RE, i) => {
      expect(Math.abs((rec.RE[i] as number) - RE)).toBeLessThan(1e-6);
      expect(Math.abs((rec.RI[i] as number) - (o.RI[i] as number))).toBeLessThan(1e-6);
    });
  });

  test("N = 1e5 simulation follows the two-population OA solution through its alternating limit cycle", () => {
    // Wrapped-Cauchy initial phases put both populations on the OA manifold with z_E = z_I = 0.9.
    const run = makeRun({ dt: 0.1, duration: 20, recordEvery: 0.5, initR0: 0.9, model: eiModel(EI) });
    const sim = simulateInProcess(run).recording;
    const oa = oaTrajectory(oaParams(run.model), [0.9, 0, 0.9, 0], 20, 0.005, 0.5);
    for (const key of ["RE", "RI", "R"] as const) {
      sim[key].forEach((v, i) => {
        expect(Math.abs(v - (oa[key][i] as number))).toBeLessThan(0.03);
      });
    }
    // R swings between near-incoherence and partial synchrony, so the agreement is not trivial
    expect(Math.min(...sim.R.subarray(4))).toBeLessThan(0.1);
    expect(Math.max(...sim.R.subarray(4))).toBeGreaterThan(0.55);
  });

  test("a mirror pair of stable rotating waves (ψ_I − ψ_E = ±φ) when ω̄_E = ω̄_I", () => {
    const fp = coherentFixedPoints(
      oaParams(makeRun({ model: eiModel({ EE: 8, EI: 7, IE: 8, II: 2.8 }, 1000) }).model),
    );
    const stable = fp.filter((f) => f.stable);
    expect(stable).toHaveLength(2);
    expect(stable[1]?.RE).toBeCloseTo(stable[0]?.RE as number, 9);
    expect(stable[1]?.phaseLag).toBeCloseTo(-(stable[0]?.phaseLag as number), 9);
    expect(Math.abs(stable[0]?.phaseLag as number)).toBeGreaterThan(0.1);
  });
});
