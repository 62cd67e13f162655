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
import { python } from "./helpers/python.ts";

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

  test("same seed, same run; the run is bit-identical on 1 and 2 threads", async () => {
    const run = makeRun({
      method: "euler",
      dt: 0.01,
      duration: 2,
      recordEvery: 0.1,
      seed: 7,
      initR0: 0,
      model: {
        E: { n: 6000, center: 0, width: 1 },
        I: { n: 3000, center: 0.5, width: 1 },
        K: { EE: 4, EI: 2, IE: 3, II: 1 },
        noise: 0.2,
      },
    });
    const a = simulateInProcess(run).recording;
    const b = (await simulate({ ...run, threads: 2 })).recording;
    const c = simulateInProcess({ ...run, seed: 8 }).recording;
    expect(Array.from(b.R)).toEqual(Array.from(a.R));
    expect(Array.from(b.psiI)).toEqual(Array.from(a.psiI));
    expect(Array.from(c.R)).not.toEqual(Array.from(a.R));
  });
});

describe("two populations (E and I) against numpy", () => {
  // Independent numpy implementation of the same equations and RK4 step, from the same ω and θ(0).
  const NUMPY_RK4 = `
import json, sys, numpy as np
d = data
om = np.array(d["omega"]); th = np.array(d["theta"]); nE = d["nE"]; K = d["K"]; dt = d["dt"]
E = slice(0, nE); I = slice(nE, None)
def f(th):
    zE = np.exp(1j * th[E]).mean(); zI = np.exp(1j * th[I]).mean()
    hE = K["EE"] * zE - K["EI"] * zI
    hI = K["IE"] * zE - K["II"] * zI
    h = np.concatenate([np.full(nE, hE), np.full(len(th) - nE, hI)])
    return om + np.imag(h * np.exp(-1j * th))
out = []
for n in range(d["steps"] + 1):
    if n % d["stride"] == 0:
        out.append([abs(np.exp(1j * th[E]).mean()), abs(np.exp(1j * th[I]).mean()), abs(np.exp(1j * th).mean())])
    if n == d["steps"]: break
    k1 = f(th); k2 = f(th + dt/2*k1); k3 = f(th + dt/2*k2); k4 = f(th + dt*k3)
    th = th + dt/6*(k1 + 2*k2 + 2*k3 + k4)
print(json.dumps(out))
`;
  test("RK4 trajectory of R_E, R_I, R matches numpy to 1e-9 (Gaussian frequencies)", () => {
    const run = makeRun({
      dt: 0.02,
      duration: 6,
      recordEvery: 0.2,
      initR0: 0.3,
      seed: 11,
      model: {
        E: { n: 800, center: 0, width: 1 },
        I: { n: 200, center: 1, width: 0.5 },
        K: { EE: 6, EI: 4, IE: 8, II: 2 },
        distribution: "gaussian",
        sampling: "random",
      },
    });
    const rec = simulateInProcess(run).recording;
    const ic = initialConditions(run);
    const ref = python(NUMPY_RK4, {
      omega: Array.from(ic.omega),
      theta: Array.from(ic.theta),
      nE: 800,
      K: run.model.K,
      dt: run.dt,
      steps: 300,
      stride: 10,
    }) as number[][];
    expect(ref).toHaveLength(rec.R.length);
    ref.forEach(([RE, RI, R], i) => {
      expect(Math.abs((rec.RE[i] as number) - (RE as number))).toBeLessThan(1e-9);
      expect(Math.abs((rec.RI[i] as number) - (RI as number))).toBeLessThan(1e-9);
      expect(Math.abs((rec.R[i] as number) - (R as number))).toBeLessThan(1e-9);
    });
    // R must have moved, or the comparison would prove nothing
    expect(Math.max(...rec.R) - Math.min(...rec.R)).toBeGreaterThan(0.2);
  });

  test("Gaussian quantile frequencies are scipy's norm.ppf((j + ½)/N)", () => {
    const run = makeRun({
      model: {
        E: { n: 999, center: 2, width: 3 },
        K: { EE: 0, EI: 0, IE: 0, II: 0 },
        distribution: "gaussian",
      },
    });
    const ref = python(
      "import json,sys; from scipy.stats import norm; import numpy as np; n=999; print(json.dumps((2+3*norm.ppf((np.arange(n)+0.5)/n)).tolist()))",
      {},
    ) as number[];
    const { omega } = initialConditions(run);
    ref.forEach((w, j) => {
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
    const p = oaParams(makeRun({ model: { ...eiModel(EI), E: { n: 800, center: 0.3, width: 1 } } }).model);
    const rec = oaTrajectory(p, [0.9, 0, 0.5, 0.2], 20, 0.002, 1);
    const ref = python(
      `
import json, sys, numpy as np
from scipy.integrate import solve_ivp
d = data; K = d["K"]
def rhs(t, y):
    zE = y[0] + 1j*y[1]; zI = y[2] + 1j*y[3]
    hE = K["EE"]*zE - K["EI"]*zI; hI = K["IE"]*zE - K["II"]*zI
    dE = (1j*0.3 - 1)*zE + 0.5*(hE - zE**2*np.conj(hE))
    dI = (1j*0.0 - 1)*zI + 0.5*(hI - zI**2*np.conj(hI))
    return [dE.real, dE.imag, dI.real, dI.imag]
s = solve_ivp(rhs, [0, 20], [0.9, 0, 0.5, 0.2], t_eval=np.arange(21.0), rtol=1e-12, atol=1e-13, method="DOP853")
print(json.dumps([np.hypot(s.y[0], s.y[1]).tolist(), np.hypot(s.y[2], s.y[3]).tolist()]))
`,
      { K: EI },
    ) as number[][];
    ref[0]?.forEach((RE, i) => {
      expect(Math.abs((rec.RE[i] as number) - RE)).toBeLessThan(1e-6);
      expect(Math.abs((rec.RI[i] as number) - (ref[1]?.[i] as number))).toBeLessThan(1e-6);
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
