// Ott–Antonsen reduction of the EI-Kuramoto model for Lorentzian natural frequencies (centre ω̄_a,
// half-width Δ_a) in the limit N → ∞, noise-free. On the OA manifold each population is described exactly
// by its order parameter z_a = R_a e^{iψ_a}:
//
//   dz_a/dt = (iω̄_a − Δ_a)·z_a + ½·(h_a − z_a²·h̄_a),   h_a = Σ_b s_b·g_ab(t)·K_ab·z_b   (a, b ∈ {E, I})
//
// Single population (K_EE = K): R∞ = √(1 − 2Δ/K) for K > 2Δ, 0 below. Incoherence z = 0 is always a fixed
// point; its linearisation dz/dt = M z, M = diag(iω̄_a − Δ_a) + ½[s_b K_ab], is unstable when an eigenvalue
// of M has a positive real part. Coherent states are fixed points in a frame rotating at a frequency Ω.
import { EigenvalueDecomposition, Matrix, solve } from "ml-matrix";
import { type Couplings, inputFields, type Model } from "./model.ts";
import { type GainSchedule, gainAt } from "./modulation.ts";
import type { Recording } from "./simulate.ts";

export interface OAParams {
  K: Couplings;
  /** ω̄ (rad/s) and half-width Δ (rad/s) of each population */
  E: { center: number; width: number };
  I: { center: number; width: number };
  /** fraction of oscillators in E, weighting the total order parameter; 1 = no I population */
  fractionE: number;
  modulation?: GainSchedule | undefined;
}

/** z = [Re z_E, Im z_E, Re z_I, Im z_I] */
export type Z = [number, number, number, number];
const at = (z: Z, j: number) => z[j] as number;

export function oaParams(model: Model, modulation?: GainSchedule): OAParams {
  if (model.distribution !== "lorentzian") {
    throw new Error("the Ott–Antonsen reduction needs Lorentzian natural frequencies (--dist lorentzian)");
  }
  const n = model.E.n + model.I.n;
  return { K: model.K, E: model.E, I: model.I, fractionE: n > 0 ? model.E.n / n : 1, modulation };
}

/** R∞ of one population with Lorentzian half-width Δ and coupling K (rad/s). */
export function singlePopulationR(K: number, delta: number): number {
  return K > 2 * delta ? Math.sqrt(1 - (2 * delta) / K) : 0;
}

/** dz/dt in a frame rotating at Ω (rad/s); populations with no oscillators stay at z = 0. */
/** z with the order parameter of a population that has no oscillators set to 0. */
function present(p: OAParams, z: Z): Z {
  const hasE = p.fractionE > 0;
  const hasI = p.fractionE < 1;
  return [hasE ? z[0] : 0, hasE ? z[1] : 0, hasI ? z[2] : 0, hasI ? z[3] : 0];
}

export function oaRhs(p: OAParams, t: number, zIn: Z, omega = 0): Z {
  const hasE = p.fractionE > 0;
  const hasI = p.fractionE < 1;
  const z = present(p, zIn);
  const g = gainAt(p.modulation, t);
  const on = p.modulation?.targets ?? [];
  const [hEr, hEi, hIr, hIi] = inputFields(
    p.K,
    { EI: on.includes("EI") ? g : 1, II: on.includes("II") ? g : 1 },
    z,
  );
  const one = (zr: number, zi: number, hr: number, hi: number, w: number, d: number): [number, number] => {
    // (iw − d)z + ½(h − z² h̄)
    const z2r = zr * zr - zi * zi;
    const z2i = 2 * zr * zi;
    return [
      -d * zr - w * zi + 0.5 * (hr - (z2r * hr + z2i * hi)),
      w * zr - d * zi + 0.5 * (hi - (z2i * hr - z2r * hi)),
    ];
  };
  const [er, ei] = hasE ? one(z[0], z[1], hEr, hEi, p.E.center - omega, p.E.width) : [0, 0];
  const [ir, ii] = hasI ? one(z[2], z[3], hIr, hIi, p.I.center - omega, p.I.width) : [0, 0];
  return [er, ei, ir, ii];
}

function rk4Step(p: OAParams, t: number, z: Z, dt: number, omega: number): Z {
  const add = (a: Z, b: Z, h: number): Z => [
    a[0] + h * b[0],
    a[1] + h * b[1],
    a[2] + h * b[2],
    a[3] + h * b[3],
  ];
  const k1 = oaRhs(p, t, z, omega);
  const k2 = oaRhs(p, t + dt / 2, add(z, k1, dt / 2), omega);
  const k3 = oaRhs(p, t + dt / 2, add(z, k2, dt / 2), omega);
  const k4 = oaRhs(p, t + dt, add(z, k3, dt), omega);
  const k: Z = [0, 0, 0, 0];
  for (let j = 0; j < 4; j++) k[j] = at(k1, j) + 2 * at(k2, j) + 2 * at(k3, j) + at(k4, j);
  return add(z, k, dt / 6);
}

/** RK4 trajectory of the OA equations in the lab frame, recorded like a simulation. */
export function oaTrajectory(
  p: OAParams,
  z0: Z,
  duration: number,
  dt: number,
  recordEvery: number,
): Recording {
  const steps = Math.round(duration / dt);
  const stride = Math.max(1, Math.round(recordEvery / dt));
  const nRec = Math.floor(steps / stride) + 1;
  const names = ["t", "RE", "psiE", "RI", "psiI", "R", "psi", "gain"] as const;
  const rec = Object.fromEntries(names.map((k) => [k, new Float64Array(nRec)])) as unknown as Recording;
  let z = present(p, z0);
  for (let n = 0; n <= steps; n++) {
    const t = n * dt;
    if (n % stride === 0) {
      const j = n / stride;
      const fE = p.fractionE;
      const tr = fE * z[0] + (1 - fE) * z[2];
      const ti = fE * z[1] + (1 - fE) * z[3];
      rec.t[j] = t;
      rec.RE[j] = Math.hypot(z[0], z[1]);
      rec.psiE[j] = Math.atan2(z[1], z[0]);
      rec.RI[j] = Math.hypot(z[2], z[3]);
      rec.psiI[j] = Math.atan2(z[3], z[2]);
      rec.R[j] = Math.hypot(tr, ti);
      rec.psi[j] = Math.atan2(ti, tr);
      rec.gain[j] = gainAt(p.modulation, t);
    }
    if (n < steps) z = rk4Step(p, t, z, dt, 0);
  }
  return rec;
}

// ---- linear stability of incoherence -------------------------------------------------------------------

export interface Complex {
  re: number;
  im: number;
}

function csqrt(re: number, im: number): Complex {
  const m = Math.hypot(re, im);
  const r = Math.sqrt((m + re) / 2);
  const i = Math.sqrt(Math.max(0, (m - re) / 2));
  return { re: r, im: im < 0 ? -i : i };
}

/** Eigenvalues (1/s) of M, the linearisation of the OA equations at z = 0, largest real part first. */
export function incoherenceEigenvalues(p: OAParams): Complex[] {
  const a = { re: -p.E.width + 0.5 * p.K.EE, im: p.E.center };
  const d = { re: -p.I.width - 0.5 * p.K.II, im: p.I.center };
  if (p.fractionE >= 1) return [a];
  if (p.fractionE <= 0) return [d];
  const bc = -0.25 * p.K.EI * p.K.IE; // (−½K_EI)(½K_IE), real
  // λ = (a + d)/2 ± √(((a − d)/2)² + bc)
  const hr = (a.re - d.re) / 2;
  const hi = (a.im - d.im) / 2;
  const s = csqrt(hr * hr - hi * hi + bc, 2 * hr * hi);
  const mr = (a.re + d.re) / 2;
  const mi = (a.im + d.im) / 2;
  const l1 = { re: mr + s.re, im: mi + s.im };
  const l2 = { re: mr - s.re, im: mi - s.im };
  return l1.re >= l2.re ? [l1, l2] : [l2, l1];
}

export function incoherenceGrowthRate(p: OAParams): number {
  return (incoherenceEigenvalues(p)[0] as Complex).re;
}

// ---- coherent fixed points ------------------------------------------------------------------------------

export interface FixedPoint {
  RE: number;
  RI: number;
  /** ψ_I − ψ_E, rad (NaN when a population is incoherent) */
  phaseLag: number;
  /** collective frequency Ω, rad/s */
  frequency: number;
  R: number;
  /** Jacobian eigenvalues (1/s) without the neutral rotation mode */
  eigenvalues: Complex[];
  stable: boolean;
}

const NEWTON_TOL = 1e-13;

/**
 * Rotating-wave fixed points: z_a(t) = z_a e^{iΩt} with dz_a/dt − iΩ z_a = 0, found by Newton's method from a
 * grid of starts. Unknowns: z with the rotation gauge fixed by Im z_g = 0 for a coherent population g, and Ω.
 */
export function coherentFixedPoints(p: OAParams): FixedPoint[] {
  const hasE = p.fractionE > 0;
  const hasI = p.fractionE < 1;
  const found: FixedPoint[] = [];
  const starts = [0.2, 0.5, 0.8, 0.97];
  const lags = hasE && hasI ? [0, Math.PI / 2, Math.PI, (3 * Math.PI) / 2] : [0];
  const omega0 = p.fractionE * p.E.center + (1 - p.fractionE) * p.I.center;
  for (const gauge of (hasE ? [0] : []).concat(hasI ? [2] : [])) {
    for (const rE of hasE ? starts : [0]) {
      for (const rI of hasI ? starts : [0]) {
        for (const lag of lags) {
          const z: Z = [rE, 0, rI * Math.cos(lag), rI * Math.sin(lag)];
          if (gauge === 2) {
            // rotate so that z_I is real
            z[0] = rE * Math.cos(-lag);
            z[1] = rE * Math.sin(-lag);
            z[2] = rI;
            z[3] = 0;
          }
          const sol = newton(p, z, omega0, gauge);
          if (sol) addUnique(found, describe(p, sol.z, sol.omega));
        }
      }
    }
  }
  return found.sort((a, b) => b.R - a.R);
}

/** Unknown vector: z without the gauge component (Im z_gauge), then Ω. */
function newton(p: OAParams, z0: Z, omega0: number, gauge: number): { z: Z; omega: number } | undefined {
  const hasE = p.fractionE > 0;
  const hasI = p.fractionE < 1;
  const free = [0, 1, 2, 3].filter((j) => j !== gauge + 1 && (j < 2 ? hasE : hasI));
  const pack = (z: Z, w: number) => free.map((j) => at(z, j)).concat([w]);
  const unpack = (u: number[]): [Z, number] => {
    const z: Z = [0, 0, 0, 0];
    free.forEach((j, k) => {
      z[j] = u[k] as number;
    });
    return [z, u[free.length] as number];
  };
  const residual = (u: number[]) => {
    const [z, w] = unpack(u);
    const f = oaRhs(p, 0, z, w);
    return [0, 1, 2, 3].filter((j) => (j < 2 ? hasE : hasI)).map((j) => at(f, j));
  };
  const norm = (v: number[]) => Math.hypot(...v);
  let u = pack(z0, omega0);
  let r = residual(u);
  for (let it = 0; it < 60 && norm(r) > NEWTON_TOL; it++) {
    const J = jacobian(residual, u);
    let step: number[];
    try {
      step = solve(J, Matrix.columnVector(r)).to1DArray();
    } catch {
      return undefined;
    }
    if (!step.every(Number.isFinite)) return undefined;
    // damped: halve the step until the residual falls
    let lambda = 1;
    let next = u.map((x, k) => x - lambda * (step[k] as number));
    let rn = residual(next);
    while (norm(rn) >= norm(r) && lambda > 1e-4) {
      lambda /= 2;
      next = u.map((x, k) => x - lambda * (step[k] as number));
      rn = residual(next);
    }
    if (norm(rn) >= norm(r)) return undefined;
    u = next;
    r = rn;
  }
  if (norm(r) > 1e-10) return undefined;
  const [z, omega] = unpack(u);
  const rg = Math.hypot(at(z, gauge), at(z, gauge + 1));
  if (rg < 1e-5 || Math.hypot(z[0], z[1]) > 1 + 1e-9 || Math.hypot(z[2], z[3]) > 1 + 1e-9) return undefined;
  return { z, omega };
}

/** Central-difference Jacobian of f at u. */
function jacobian(f: (u: number[]) => number[], u: number[]): Matrix {
  const n = u.length;
  const m = f(u).length;
  const J = new Matrix(m, n);
  for (let k = 0; k < n; k++) {
    const h = 1e-7 * Math.max(1, Math.abs(u[k] as number));
    const up = u.slice();
    const um = u.slice();
    up[k] = (up[k] as number) + h;
    um[k] = (um[k] as number) - h;
    const fp = f(up);
    const fm = f(um);
    for (let i = 0; i < m; i++) J.set(i, k, ((fp[i] as number) - (fm[i] as number)) / (2 * h));
  }
  return J;
}

function describe(p: OAParams, z: Z, omega: number): FixedPoint {
  const hasE = p.fractionE > 0;
  const hasI = p.fractionE < 1;
  const idx = [0, 1, 2, 3].filter((j) => (j < 2 ? hasE : hasI));
  const flow = (v: number[]) => {
    const zz: Z = [0, 0, 0, 0];
    idx.forEach((j, k) => {
      zz[j] = v[k] as number;
    });
    const f = oaRhs(p, 0, zz, omega);
    return idx.map((j) => at(f, j));
  };
  const eig = new EigenvalueDecomposition(
    jacobian(
      flow,
      idx.map((j) => at(z, j)),
    ),
  );
  const all = eig.realEigenvalues.map((re, k) => ({ re, im: eig.imaginaryEigenvalues[k] as number }));
  // drop the neutral mode of the rotation symmetry (the eigenvalue closest to 0)
  let zeroIdx = 0;
  all.forEach((e, k) => {
    if (Math.hypot(e.re, e.im) < Math.hypot((all[zeroIdx] as Complex).re, (all[zeroIdx] as Complex).im)) {
      zeroIdx = k;
    }
  });
  const eigenvalues = all.filter((_, k) => k !== zeroIdx).sort((a, b) => b.re - a.re);
  const RE = Math.hypot(z[0], z[1]);
  const RI = Math.hypot(z[2], z[3]);
  const fE = p.fractionE;
  const lag = RE > 1e-9 && RI > 1e-9 ? Math.atan2(z[3], z[2]) - Math.atan2(z[1], z[0]) : Number.NaN;
  return {
    RE,
    RI,
    phaseLag: Number.isNaN(lag) ? lag : Math.atan2(Math.sin(lag), Math.cos(lag)),
    frequency: omega,
    R: Math.hypot(fE * z[0] + (1 - fE) * z[2], fE * z[1] + (1 - fE) * z[3]),
    eigenvalues,
    stable: eigenvalues.every((e) => e.re < -1e-7),
  };
}

function addUnique(list: FixedPoint[], fp: FixedPoint): void {
  const same = (a: FixedPoint) =>
    Math.abs(a.RE - fp.RE) < 1e-7 &&
    Math.abs(a.RI - fp.RI) < 1e-7 &&
    (Number.isNaN(a.phaseLag) || Math.abs(Math.sin((a.phaseLag - fp.phaseLag) / 2)) < 1e-6);
  if (!list.some(same)) list.push(fp);
}

// ---- attractors ------------------------------------------------------------------------------------------

export type OAState = "sync" | "async" | "bistable" | "alternating";

export interface OAAttractor {
  /** where it started: near incoherence or near full synchrony */
  from: "incoherent" | "synchronous";
  /** total R over the last third of the run */
  Rmin: number;
  Rmax: number;
  Rmean: number;
  /** R keeps swinging across both thresholds with undiminished swing (a limit cycle) */
  sustained: boolean;
}

export interface OAPrediction {
  state: OAState;
  attractors: OAAttractor[];
}

/** R above this counts as coherent in the OA limit (N → ∞, so any R > 0 is real coherence). */
const OA_COHERENT = 1e-3;

/**
 * The OA attractors reached from near incoherence (R ≈ 0.01) and from near synchrony (R ≈ 0.99), without
 * modulation, judged over the last sixth of the run. alternating: R keeps swinging (a limit cycle whose
 * swing does not shrink) from below `low` to above `high`, the thresholds the classifier uses; otherwise
 * sync / async when both starts end coherent / incoherent, and bistable when they end in different ones.
 */
export function oaPredict(
  p: OAParams,
  thresholds: { low: number; high: number } = { low: 0.15, high: 0.3 },
  duration?: number,
): OAPrediction {
  const q: OAParams = { ...p, modulation: undefined };
  const scale = Math.max(p.E.width, p.I.width, 1e-3) + 0.5 * (p.K.EE + p.K.EI + p.K.IE + p.K.II);
  const dt = Math.min(0.05, 0.5 / (scale + Math.abs(p.E.center - p.I.center)));
  const T = duration ?? 200 / Math.max(Math.min(p.E.width, p.I.width), 1e-2);
  const fE = p.fractionE;
  const attractors: OAAttractor[] = (
    [
      ["incoherent", 0.01],
      ["synchronous", 0.99],
    ] as const
  ).map(([from, r]) => {
    // frame rotating at ω̄_E: R is unchanged and large steps stay accurate
    let z = present(p, [r, 0, r * Math.cos(0.1), r * Math.sin(0.1)]);
    const steps = Math.round(T / dt);
    const tail = Math.floor(steps / 6);
    // R over the last two sixths of the run
    const R = new Float64Array(2 * tail);
    for (let n = 0; n < steps; n++) {
      z = rk4Step(q, n * dt, z, dt, p.E.center);
      const j = n - (steps - 2 * tail);
      if (j >= 0) R[j] = Math.hypot(fE * z[0] + (1 - fE) * z[2], fE * z[1] + (1 - fE) * z[3]);
    }
    const last = R.subarray(tail);
    const before = R.subarray(0, tail);
    const swing = (x: Float64Array) => Math.max(...x) - Math.min(...x);
    return {
      from,
      Rmin: Math.min(...last),
      Rmax: Math.max(...last),
      Rmean: last.reduce((acc, x) => acc + x, 0) / last.length,
      // a swing that does not shrink is a limit cycle, not a slow approach to a fixed point
      sustained:
        swing(last) > 0.9 * swing(before) &&
        Math.min(...last) < thresholds.low &&
        Math.max(...last) > thresholds.high,
    };
  });
  const [a, b] = attractors as [OAAttractor, OAAttractor];
  const oscillating = attractors.some((x) => x.sustained);
  let state: OAState;
  if (oscillating) state = "alternating";
  else if (a.Rmean > OA_COHERENT !== b.Rmean > OA_COHERENT) state = "bistable";
  else state = a.Rmean > OA_COHERENT ? "sync" : "async";
  return { state, attractors };
}
