// AssemblyScript source of the EI-Kuramoto step kernel (WebAssembly with 128-bit SIMD: two f64 lanes).
// `npm run wasm` compiles it to step.wasm (options in asconfig.json); the committed step.wasm must be what
// this file builds to (.ci/run checks it). ../kernel.ts loads it; ../simulate.ts drives it.
//
// Model (../model.ts): for oscillator i of population a ∈ {E, I}
//   dθ_i/dt = ω_i + Im(h_a e^{−iθ_i}) + √(2D)·ξ_i(t) = ω_i + Im(h_a)·cos θ_i − Re(h_a)·sin θ_i + √(2D)·ξ_i(t)
// with the input field h_a = Σ_b s_b g_ab K_ab Z_b (complex, rad/s) formed by the caller from the order
// parameters Z_b. Units: θ in rad, ω_i and h_a in rad/s, t and dt in s, D in rad²/s, ξ_i standard normal.
//
// A phase is stored as the unit vector (C, S) = (cos θ, sin θ), and a step θ ← θ + δ is the rotation
//   (C, S) ← (C cos δ − S sin δ, S cos δ + C sin δ),
// followed by one Newton step towards |(C, S)| = 1, so the stored vector stays on the circle.
//
// Passes (kind):
//   INIT  c, s ← C, S
//   EULER δ = dt·f(C, S) + σ·ξ_i, σ = √(2D·dt)                              (Euler–Maruyama)
//   RK1   acc = k1;        δ = dt/2·k1, (c, s) ← rotation of (C, S)          classic RK4, stage by stage,
//   RK2   acc += 2·k2;     δ = dt/2·k2, (c, s) ← rotation of (C, S)          k_j = f(c, s) at the state
//   RK3   acc += 2·k3;     δ = dt·k3,   (c, s) ← rotation of (C, S)          the last stage left in c, s
//   RK4   δ = dt/6·(acc + k4),  (C, S) and (c, s) ← rotation of (C, S)
// Every pass leaves Σc and Σs of its chunk at `sums`, summed in 8 lanes: lane j adds the elements j, j + 8,
// j + 16, … of the chunk in order (four 2-lane accumulators here, one 8-lane vector in native/step.c; a
// chunk's last elements leave the lanes past its end adding +0.0), then ((l0 + l1) + (l2 + l3)) +
// ((l4 + l5) + (l6 + l7)). That order depends only on the chunk, so a run is bit-identical for any number of
// threads, and independent lanes keep the additions off the critical path.
//
// cos δ and sin δ: δ = q·π/2 + r with q = nearest(δ·2/π) and r = ((δ − q·P1) − q·P2) − q·P3, where
// P1 + P2 + P3 is π/2 split into 33 + 33 + 53 significant bits (q·P1, q·P2 exact for |q| < 2^20, so
// |r| ≤ π/4·(1 + 2^-50) for |δ| < 2^20·π/2 ≈ 1.6e6 rad); then sin r, cos r by their Taylor polynomials to
// r^15 and r^16 (truncation < (π/4)^17/17! = 4.7e-17 and (π/4)^18/18! = 2.1e-18), and the quadrant q mod 4
// swaps and negates them. A pair whose two |δ| are below 0.78 (most pairs: |δ| = dt·|f| is small but in the
// tails of the frequency distribution) skips the reduction, which there gives q = 0 and r = δ exactly: the
// same bits either way, but for the sign of a zero. A pair whose two |δ| are below TINY = 1/8 (the bulk at
// dt = 0.01 s: |f| < 12.5 rad/s) takes the polynomials only to r^9 and r^10: truncation < (1/8)^11/11! =
// 2.3e-18 (2.3e-17 of sin δ ≈ δ, 0.2 units in its last place) and (1/8)^12/12! = 3.0e-20.
// Error bound, measured against V8's exactly reduced Math.cos/Math.sin (< 1 ulp), after the renormalisation,
// over 1.2 million δ up to 1e6 rad (tests/kuramoto-kernel.test.ts): at most 2^-52 ≈ 2.2e-16 in cos δ and
// in sin δ, i.e. 2 units in the last place of numbers near 1. Beyond 1.6e6 rad (a step turning an
// oscillator by more than 2.5e5 cycles) the reduction's absolute error grows as |δ|·2^-53, as large as the
// rounding of δ itself. Only correctly rounded IEEE-754 add, subtract and multiply and exact operations
// (nearest, floor, abs, compares, bit masks) are used: no fused multiply-add, no relaxed SIMD, so every
// machine and thread computes the same bits.

const INIT = 0;
const EULER = 1;
const RK1 = 2;
const RK2 = 3;
const RK3 = 4;
const RK4 = 5;

const TWO_OVER_PI = 0.6366197723675814; // 2/π rounded
const SMALL = 0.78; // < π/4: δ·2/π rounds to q = 0
const TINY = 0.125; // the short polynomials suffice
const P1 = 1.5707963267341256; // π/2 to 33 bits: 0x1.921fb544p+0
const P2 = 6.077100506303966e-11; // next 33 bits: 0x1.0b4611a6p-34
const P3 = 2.0222662487959506e-21; // rest, rounded: 0x1.3198a2e037073p-69

// Taylor coefficients: sin r = r + r³(S3 + r²(S5 + … + r²·S15)), cos r = 1 + r²(C2 + r²(C4 + … + r²·C16))
const S3 = -1.0 / 6.0;
const S5 = 1.0 / 120.0;
const S7 = -1.0 / 5040.0;
const S9 = 1.0 / 362880.0;
const S11 = -1.0 / 39916800.0;
const S13 = 1.0 / 6227020800.0;
const S15 = -1.0 / 1307674368000.0;
const C2 = -1.0 / 2.0;
const C4 = 1.0 / 24.0;
const C6 = -1.0 / 720.0;
const C8 = 1.0 / 40320.0;
const C10 = -1.0 / 3628800.0;
const C12 = 1.0 / 479001600.0;
const C14 = -1.0 / 87178291200.0;
const C16 = 1.0 / 20922789888000.0;

// Byte addresses of the state arrays in the shared memory (element i of an array at p is at p + 8i).
let pC: usize = 0;
let pS: usize = 0;
let pOmega: usize = 0;
let pc: usize = 0;
let ps: usize = 0;
let pAcc: usize = 0;
let pXi: usize = 0;

/** Addresses of C, S, ω, c, s (the same as C, S for Euler), acc (RK4) and ξ (noise) in the memory. */
export function bind(C: usize, S: usize, omega: usize, c: usize, s: usize, acc: usize, xi: usize): void {
  pC = C;
  pS = S;
  pOmega = omega;
  pc = c;
  ps = s;
  pAcc = acc;
  pXi = xi;
}

/** Loads two elements, or (at a chunk's odd end) one into lane 0 with lane 1 zero. */
@inline
function load2(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load64_zero(p);
}

/** Stores two lanes, or only lane 0. */
@inline
function store2(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store64_lane(p, v, 0);
}

/** One Horner step: c + r²·p. */
@inline
function horner(c: f64, r2: v128, p: v128): v128 {
  return f64x2.add(f64x2.splat(c), f64x2.mul(r2, p));
}

/** sin r by its Taylor polynomial, to r^15 (`long`) or r^9; r2 = r². */
@inline
function sinPoly(r: v128, r2: v128, long: bool): v128 {
  let p = f64x2.splat(long ? S15 : S9);
  if (long) {
    p = horner(S13, r2, p);
    p = horner(S11, r2, p);
    p = horner(S9, r2, p);
  }
  p = horner(S7, r2, p);
  p = horner(S5, r2, p);
  p = horner(S3, r2, p);
  return f64x2.add(r, f64x2.mul(f64x2.mul(r, r2), p));
}

/** cos r by its Taylor polynomial, to r^16 (`long`) or r^10; r2 = r². */
@inline
function cosPoly(r2: v128, long: bool): v128 {
  let p = f64x2.splat(long ? C16 : C10);
  if (long) {
    p = horner(C14, r2, p);
    p = horner(C12, r2, p);
    p = horner(C10, r2, p);
  }
  p = horner(C8, r2, p);
  p = horner(C6, r2, p);
  p = horner(C4, r2, p);
  p = horner(C2, r2, p);
  return horner(1, r2, p);
}

/**
 * Advances the oscillator pair at byte offset o (only the first when `full` is false) by one pass of `kind`,
 * a constant at every call so that each pass compiles to its own branch-free loop. The result goes to
 * (c, s), and for EULER and RK4 also to (C, S).
 */
@inline
function advance(kind: i32, noisy: bool, o: usize, full: bool, hRe: v128, hIm: v128, h: v128, sigma: v128): void {
  const c = load2(pc + o, full);
  const s = load2(ps + o, full);
  // drift k = ω + Im(h)·c − Re(h)·s at the state last evaluated, rad/s
  const k = f64x2.sub(f64x2.add(load2(pOmega + o, full), f64x2.mul(hIm, c)), f64x2.mul(hRe, s));
  // rotation angle δ from the step's base state (C, S), rad
  let d: v128;
  if (kind === EULER) {
    d = f64x2.mul(h, k);
    if (noisy) d = f64x2.add(d, f64x2.mul(sigma, load2(pXi + o, full)));
  } else if (kind === RK4) {
    d = f64x2.mul(h, f64x2.add(load2(pAcc + o, full), k));
  } else {
    const acc = kind === RK1 ? k : f64x2.add(load2(pAcc + o, full), f64x2.add(k, k));
    store2(pAcc + o, acc, full);
    d = f64x2.mul(h, k);
  }
  const absD = f64x2.abs(d);
  let sd: v128;
  let cd: v128;
  if (i64x2.all_true(f64x2.lt(absD, f64x2.splat(TINY)))) {
    // both |δ| < TINY: r = δ, the short polynomials
    const r2 = f64x2.mul(d, d);
    sd = sinPoly(d, r2, false);
    cd = cosPoly(r2, false);
  } else {
    // δ = q·π/2 + r, |r| ≤ π/4; when both |δ| < SMALL, q = 0 and r = δ exactly, so the reduction is skipped
    const small = i64x2.all_true(f64x2.lt(absD, f64x2.splat(SMALL)));
    let q = f64x2.splat(0);
    let r = d;
    if (!small) {
      q = f64x2.nearest(f64x2.mul(d, f64x2.splat(TWO_OVER_PI)));
      r = f64x2.sub(d, f64x2.mul(q, f64x2.splat(P1)));
      r = f64x2.sub(r, f64x2.mul(q, f64x2.splat(P2)));
      r = f64x2.sub(r, f64x2.mul(q, f64x2.splat(P3)));
    }
    const r2 = f64x2.mul(r, r);
    sd = sinPoly(r, r2, true);
    cd = cosPoly(r2, true);
    if (!small) {
      // quadrant m = q mod 4: sin δ = (sin r, cos r, −sin r, −cos r), cos δ = (cos r, −sin r, −cos r, sin r)
      const m = f64x2.sub(q, f64x2.mul(f64x2.splat(4), f64x2.floor(f64x2.mul(q, f64x2.splat(0.25)))));
      const one = f64x2.splat(1);
      const two = f64x2.splat(2);
      const swap = v128.or(f64x2.eq(m, one), f64x2.eq(m, f64x2.splat(3)));
      const sign = f64x2.splat(-0.0);
      const negSin = v128.and(f64x2.ge(m, two), sign);
      const negCos = v128.and(v128.or(f64x2.eq(m, one), f64x2.eq(m, two)), sign);
      const sinR = sd;
      sd = v128.xor(v128.bitselect(cd, sinR, swap), negSin);
      cd = v128.xor(v128.bitselect(sinR, cd, swap), negCos);
    }
  }
  // rotate the base state, then one Newton step towards unit length
  const C0 = kind === EULER ? c : load2(pC + o, full);
  const S0 = kind === EULER ? s : load2(pS + o, full);
  let nc = f64x2.sub(f64x2.mul(C0, cd), f64x2.mul(S0, sd));
  let ns = f64x2.add(f64x2.mul(S0, cd), f64x2.mul(C0, sd));
  const norm = f64x2.sub(
    f64x2.splat(1.5),
    f64x2.mul(f64x2.splat(0.5), f64x2.add(f64x2.mul(nc, nc), f64x2.mul(ns, ns))),
  );
  nc = f64x2.mul(nc, norm);
  ns = f64x2.mul(ns, norm);
  // c, s are C, S for Euler; after RK4's last stage the next step starts from the new state
  store2(pc + o, nc, full);
  store2(ps + o, ns, full);
  if (kind === RK4) {
    store2(pC + o, nc, full);
    store2(pS + o, ns, full);
  }
}

/** The s of the pair pairC last advanced (a second return value: AssemblyScript has no tuples). */
let pairS: v128 = f64x2.splat(0);

/**
 * Advances the pair at o (as far as `end`: a whole pair, its first element, or none) and returns its c for the
 * lane sums, and its s in pairS; lanes past `end` zero.
 */
@inline
function pairC(kind: i32, noisy: bool, o: usize, end: usize, hRe: v128, hIm: v128, h: v128, sigma: v128): v128 {
  if (o + 16 <= end) {
    if (kind !== INIT) advance(kind, noisy, o, true, hRe, hIm, h, sigma);
    pairS = v128.load(ps + o);
    return v128.load(pc + o);
  }
  if (o < end) {
    if (kind !== INIT) advance(kind, noisy, o, false, hRe, hIm, h, sigma);
    pairS = v128.load64_zero(ps + o);
    return v128.load64_zero(pc + o);
  }
  pairS = f64x2.splat(0);
  return f64x2.splat(0);
}

/** Lanes l0 + l1 of a, l2 + l3 of b, …: ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). */
@inline
function laneTotal(a: v128, b: v128, c: v128, d: v128): f64 {
  const ab = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
  const cd = f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1) + (f64x2.extract_lane(d, 0) + f64x2.extract_lane(d, 1));
  return ab + cd;
}

/** One pass of `kind` (constant at every call) over [o, end) (bytes); Σc, Σs to out[0], out[1]. */
@inline
function sweep(kind: i32, noisy: bool, o: usize, end: usize, hr: f64, hm: f64, h: f64, sigma: f64, out: usize): void {
  const hRe = f64x2.splat(hr);
  const hIm = f64x2.splat(hm);
  const hV = f64x2.splat(h);
  const sigmaV = f64x2.splat(sigma);
  // lanes 0–7 of the sums: pairs 0–3 of each block of 8 oscillators
  let c0 = f64x2.splat(0);
  let c1 = f64x2.splat(0);
  let c2 = f64x2.splat(0);
  let c3 = f64x2.splat(0);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let s2 = f64x2.splat(0);
  let s3 = f64x2.splat(0);
  for (; o + 64 <= end; o += 64) {
    if (kind !== INIT) {
      advance(kind, noisy, o, true, hRe, hIm, hV, sigmaV);
      advance(kind, noisy, o + 16, true, hRe, hIm, hV, sigmaV);
      advance(kind, noisy, o + 32, true, hRe, hIm, hV, sigmaV);
      advance(kind, noisy, o + 48, true, hRe, hIm, hV, sigmaV);
    }
    c0 = f64x2.add(c0, v128.load(pc + o));
    c1 = f64x2.add(c1, v128.load(pc + o + 16));
    c2 = f64x2.add(c2, v128.load(pc + o + 32));
    c3 = f64x2.add(c3, v128.load(pc + o + 48));
    s0 = f64x2.add(s0, v128.load(ps + o));
    s1 = f64x2.add(s1, v128.load(ps + o + 16));
    s2 = f64x2.add(s2, v128.load(ps + o + 32));
    s3 = f64x2.add(s3, v128.load(ps + o + 48));
  }
  if (o < end) {
    // the chunk's last block: lanes past its end add +0.0
    c0 = f64x2.add(c0, pairC(kind, noisy, o, end, hRe, hIm, hV, sigmaV));
    s0 = f64x2.add(s0, pairS);
    c1 = f64x2.add(c1, pairC(kind, noisy, o + 16, end, hRe, hIm, hV, sigmaV));
    s1 = f64x2.add(s1, pairS);
    c2 = f64x2.add(c2, pairC(kind, noisy, o + 32, end, hRe, hIm, hV, sigmaV));
    s2 = f64x2.add(s2, pairS);
    c3 = f64x2.add(c3, pairC(kind, noisy, o + 48, end, hRe, hIm, hV, sigmaV));
    s3 = f64x2.add(s3, pairS);
  }
  store<f64>(out, laneTotal(c0, c1, c2, c3));
  store<f64>(out, laneTotal(s0, s1, s2, s3), 8);
}

/**
 * One pass of `kind` over the oscillators [lo, hi) of one chunk (one population), in the field
 * h = hr + i·hm (rad/s) with step dt (s) and noise amplitude sigma = √(2D·dt) (rad, Euler only; ξ read from
 * the bound array). Writes Σc, Σs of the chunk to out[0], out[1].
 */
export function chunk(kind: i32, lo: i32, hi: i32, hr: f64, hm: f64, dt: f64, sigma: f64, out: usize): void {
  const o = (<usize>lo) << 3;
  const end = (<usize>hi) << 3;
  if (kind === INIT) {
    if (pc !== pC) {
      memory.copy(pc + o, pC + o, end - o);
      memory.copy(ps + o, pS + o, end - o);
    }
    sweep(INIT, false, o, end, hr, hm, dt, sigma, out);
  } else if (kind === EULER) {
    if (sigma > 0) sweep(EULER, true, o, end, hr, hm, dt, sigma, out);
    else sweep(EULER, false, o, end, hr, hm, dt, sigma, out);
  } else if (kind === RK1) sweep(RK1, false, o, end, hr, hm, 0.5 * dt, sigma, out);
  else if (kind === RK2) sweep(RK2, false, o, end, hr, hm, 0.5 * dt, sigma, out);
  else if (kind === RK3) sweep(RK3, false, o, end, hr, hm, dt, sigma, out);
  else sweep(RK4, false, o, end, hr, hm, dt / 6, sigma, out);
}
