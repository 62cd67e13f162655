// The per-oscillator update, shared by the in-process run and the worker threads.
//
// Oscillators of E occupy [0, N_E), those of I [N_E, N_E + N_I), in chunks of CHUNK that never straddle
// the two. Each pass updates a range of chunks and leaves Σcos θ, Σsin θ of every chunk in `sums`, from
// which the caller forms the order parameters Z_b = R_b e^{iψ_b}; summing chunk sums in a fixed order
// makes a run bit-identical for any number of threads.
//
// With the input field h_a = Σ_b s_b g_ab K_ab Z_b of population a (complex, rad/s), the drift is
//   f_i = ω_i + Im(h_a e^{−iθ_i}) = ω_i + Im(h_a)·cos θ_i − Re(h_a)·sin θ_i.
// A phase is stored as the unit vector (C, S) = (cos θ, sin θ), and a step θ ← θ + δ is the rotation
// (C, S) ← (C cos δ − S sin δ, S cos δ + C sin δ). Because δ = dt·f is small for all but the far tails of the
// frequency distribution, cos δ and sin δ come from short Taylor polynomials (error < 1e-16 for |δ| < ½),
// branch-free, instead of Math.cos/Math.sin of an arbitrary angle, whose quadrant branches mispredict on
// disordered phases (measured: 3× slower). The vector is renormalised each step to stay on the circle.
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { fillNormal } from "./rng.ts";

export const CHUNK = 4096;

/** Pass kinds. */
export const INIT = 0; // c, s and sums from C, S
export const EULER = 1; // θ += dt·f + √(2D·dt)·ξ
export const RK1 = 2; // classic RK4, stage by stage: θ̃ = θ + dt/2·k1
export const RK2 = 3; // θ̃ = θ + dt/2·k2
export const RK3 = 4; // θ̃ = θ + dt·k3
export const RK4 = 5; // θ += dt/6·(k1 + 2k2 + 2k3 + k4)

/** Threaded runs: Int32 control block [generation, done]; params[0] = pass kind or PARAM_EXIT. */
export const CTRL_GEN = 0;
export const CTRL_DONE = 1;
export const PARAM_EXIT = -1;

/**
 * Blocks while ctrl[index] === value. Spins briefly first: a pass takes about a millisecond, and waking
 * from Atomics.wait costs tens of microseconds per barrier.
 */
export function waitWhile(ctrl: Int32Array, index: number, value: number): void {
  for (let spin = 0; spin < 20_000; spin++) if (Atomics.load(ctrl, index) !== value) return;
  Atomics.wait(ctrl, index, value);
}

export interface Layout {
  nE: number;
  nI: number;
  /** chunk k covers [start[k], start[k+1]) and belongs to population pop[k] (0 = E, 1 = I) */
  start: Int32Array;
  pop: Uint8Array;
  nChunks: number;
}

export function layout(nE: number, nI: number): Layout {
  const cE = Math.ceil(nE / CHUNK);
  const cI = Math.ceil(nI / CHUNK);
  const start = new Int32Array(cE + cI + 1);
  const pop = new Uint8Array(cE + cI);
  for (let k = 0; k < cE; k++) start[k] = k * CHUNK;
  for (let k = 0; k < cI; k++) {
    start[cE + k] = nE + k * CHUNK;
    pop[cE + k] = 1;
  }
  start[cE + cI] = nE + nI;
  return { nE, nI, start, pop, nChunks: cE + cI };
}

/** State arrays; SharedArrayBuffer-backed when threads share them. */
export interface Arrays {
  /** cos θ, sin θ of the state */
  C: Float64Array;
  S: Float64Array;
  /** natural frequencies, rad/s */
  omega: Float64Array;
  /** cos, sin of the state last evaluated (RK4's intermediate states; the same arrays as C, S for Euler) */
  c: Float64Array;
  s: Float64Array;
  /** RK4 only: the k1 + 2k2 + 2k3 accumulator */
  acc: Float64Array;
  /** 2 per chunk: Σcos, Σsin */
  sums: Float64Array;
}

export function allocate(lay: Layout, rk4: boolean, shared: boolean): Arrays {
  const n = lay.nE + lay.nI;
  const make = (len: number) =>
    shared ? new Float64Array(new SharedArrayBuffer(len * 8)) : new Float64Array(len);
  const C = make(n);
  const S = make(n);
  return {
    C,
    S,
    omega: make(n),
    c: rk4 ? make(n) : C,
    s: rk4 ? make(n) : S,
    acc: make(rk4 ? n : 0),
    sums: make(2 * lay.nChunks),
  };
}

/** Field of one pass: h_E, h_I (rad/s), step dt (s), noise amplitude σ = √(2D·dt) (rad). */
export interface Field {
  hEre: number;
  hEim: number;
  hIre: number;
  hIim: number;
  dt: number;
  sigma: number;
}

// Taylor coefficients of sin δ (to δ¹³) and cos δ (to δ¹⁴)
const S3 = -1 / 6;
const S5 = 1 / 120;
const S7 = -1 / 5040;
const S9 = 1 / 362880;
const S11 = -1 / 39916800;
const S13 = 1 / 6227020800;
const C2 = -1 / 2;
const C4 = 1 / 24;
const C6 = -1 / 720;
const C8 = 1 / 40320;
const C10 = -1 / 3628800;
const C12 = 1 / 479001600;
const C14 = -1 / 87178291200;

/** One pass over chunks [k0, k1). `noise[k]` is chunk k's stream (needed only when sigma > 0). */
export function pass(
  a: Arrays,
  lay: Layout,
  kind: number,
  f: Field,
  k0: number,
  k1: number,
  noise: readonly (RandomGenerator | undefined)[],
  scratch: Float64Array,
): void {
  const { C, S, omega, c, s, acc, sums } = a;
  const dt = f.dt;
  const sigma = kind === EULER ? f.sigma : 0;
  // RK stages: weight of k in the accumulator and step of the next intermediate state
  const w = kind === RK1 ? 0 : 2;
  const h = kind === RK3 ? dt : kind === RK4 ? dt / 6 : kind === EULER ? dt : 0.5 * dt;
  for (let k = k0; k < k1; k++) {
    const lo = lay.start[k] as number;
    const hi = lay.start[k + 1] as number;
    const isI = lay.pop[k] === 1;
    const hr = isI ? f.hIre : f.hEre;
    const hm = isI ? f.hIim : f.hEim;
    let sc = 0;
    let ss = 0;
    if (kind === INIT) {
      for (let i = lo; i < hi; i++) {
        c[i] = C[i] as number;
        s[i] = S[i] as number;
        sc += C[i] as number;
        ss += S[i] as number;
      }
    } else {
      if (sigma > 0) fillNormal(noise[k] as RandomGenerator, scratch, hi - lo);
      for (let i = lo; i < hi; i++) {
        // drift at the state last evaluated
        const ki = (omega[i] as number) + hm * (c[i] as number) - hr * (s[i] as number);
        // rotation angle from the step's base state (C, S)
        let d: number;
        if (kind === EULER) {
          d = h * ki + (sigma > 0 ? sigma * (scratch[i - lo] as number) : 0);
        } else if (kind === RK4) {
          d = h * ((acc[i] as number) + ki);
        } else {
          acc[i] = w === 0 ? ki : (acc[i] as number) + w * ki;
          d = h * ki;
        }
        let cd: number;
        let sd: number;
        if (d > -0.5 && d < 0.5) {
          const d2 = d * d;
          sd = d * (1 + d2 * (S3 + d2 * (S5 + d2 * (S7 + d2 * (S9 + d2 * (S11 + d2 * S13))))));
          cd = 1 + d2 * (C2 + d2 * (C4 + d2 * (C6 + d2 * (C8 + d2 * (C10 + d2 * (C12 + d2 * C14))))));
        } else {
          cd = Math.cos(d);
          sd = Math.sin(d);
        }
        const ci = C[i] as number;
        const si = S[i] as number;
        let nc = ci * cd - si * sd;
        let ns = si * cd + ci * sd;
        // one Newton step towards |(nc, ns)| = 1
        const norm = 1.5 - 0.5 * (nc * nc + ns * ns);
        nc *= norm;
        ns *= norm;
        if (kind === EULER || kind === RK4) {
          C[i] = nc;
          S[i] = ns;
        }
        // for Euler c, s are C, S; after RK4's last stage the next step starts from the new state
        c[i] = nc;
        s[i] = ns;
        sc += nc;
        ss += ns;
      }
    }
    sums[2 * k] = sc;
    sums[2 * k + 1] = ss;
  }
}

/** Order parameters Z_E, Z_I (mean of e^{iθ}) from the chunk sums; 0 for an empty population. */
export function orderParameters(a: Arrays, lay: Layout): [number, number, number, number] {
  let er = 0;
  let ei = 0;
  let ir = 0;
  let ii = 0;
  for (let k = 0; k < lay.nChunks; k++) {
    if (lay.pop[k] === 0) {
      er += a.sums[2 * k] as number;
      ei += a.sums[2 * k + 1] as number;
    } else {
      ir += a.sums[2 * k] as number;
      ii += a.sums[2 * k + 1] as number;
    }
  }
  const nE = lay.nE || 1;
  const nI = lay.nI || 1;
  return [er / nE, ei / nE, ir / nI, ii / nI];
}
