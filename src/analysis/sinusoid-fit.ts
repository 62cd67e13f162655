// The sinusoid fit of one stimulus cycle's eye (or stimulus) positions.
//
// Fit (least squares), τ = time since cycle start (s), ω = 2πf (rad/s):
//   x(τ) = a·sin ωτ + b·cos ωτ + d·τ + c_k        (c_k: one offset per stretch k between fast phases)
// Per-stretch offsets absorb the position steps fast phases leave behind; d absorbs slow drift. The offsets
// are eliminated exactly by centring each column within its stretch (Frisch–Waugh–Lovell), leaving a 3×3
// (2×2 without drift) normal-equation solve. Amplitude R = √(a² + b²) deg, phase φ = atan2(b, a), so
// x ≈ R·sin(ωτ + φ). Gain = R_eye / R_stimulus; phase lag = φ_stimulus − φ_eye (deg, positive = eye lags).
import { Matrix, solve } from "ml-matrix";

export interface SineFit {
  amplitudeDeg: number;
  /** φ in x ≈ R·sin(ωτ + φ), degrees. */
  phaseDeg: number;
  r2: number;
  used: number;
  segments: number;
}

/** sin ωτ and cos ωτ at each sample: computed once per cycle, shared by the velocity and position fits. */
export interface SinusoidBasis {
  sin: Float64Array;
  cos: Float64Array;
}

// Taylor coefficients as products: a division per sample would cost more than the series.
const [SIXTH, TWELFTH, TWENTIETH, THIRTIETH] = [1 / 6, 1 / 12, 1 / 20, 1 / 30];

export function sinusoidBasis(t: ArrayLike<number>, omega: number): SinusoidBasis {
  const n = t.length;
  const sin = new Float64Array(n);
  const cos = new Float64Array(n);
  // Between exact evaluations every 64 samples, rotate by the phase step δ = ω·Δt: sin(θ + δ) = sin θ cos δ +
  // cos θ sin δ, with sin δ, cos δ from their Taylor series (error < 1e-17 for |δ| < 0.01 rad; 63 rotations
  // add ~1e-15). Faster than Math.sin + Math.cos; larger steps (sparse sampling, gaps) use Math.sin/cos.
  let s = 0;
  let c = 1;
  let previous = Number.NaN;
  for (let i = 0; i < n; i++) {
    const w = omega * (t[i] as number);
    const d = w - previous;
    if ((i & 63) !== 0 && d < 0.01 && d > -0.01) {
      const d2 = d * d;
      const sd = d * (1 - d2 * SIXTH * (1 - d2 * TWENTIETH));
      const cd = 1 - d2 * 0.5 * (1 - d2 * TWELFTH * (1 - d2 * THIRTIETH));
      const next = s * cd + c * sd;
      c = c * cd - s * sd;
      s = next;
    } else {
      s = Math.sin(w);
      c = Math.cos(w);
    }
    sin[i] = s;
    cos[i] = c;
    previous = w;
  }
  return { sin, cos };
}

export interface LinearFit {
  a: number;
  b: number;
  d: number;
  /** Offset of the last group: y ≈ a·sin + b·cos + d·τ + offset there (the only group without per-stretch offsets). */
  offset: number;
  /** βᵀAᵀy and Σ(y − ȳ_group)²: r² = explained / sst. */
  explained: number;
  sst: number;
  used: number;
  segments: number;
}

/**
 * Least squares of y on sin, cos (and τ with `withDrift`) plus one offset per group of usable samples (keep[i]
 * set, or no mask, and y finite): a group is a stretch between unusable samples with `offsetPerStretch`, else
 * all of them. Normal equations are accumulated in locals, each group's sums relative to its first sample so
 * that large offsets cost no precision.
 */
export function fitOnBasis(
  basis: SinusoidBasis,
  t: ArrayLike<number>,
  y: ArrayLike<number>,
  keep: Uint8Array | null,
  withDrift: boolean,
  offsetPerStretch: boolean,
): LinearFit | null {
  const { sin: sn, cos: cs } = basis;
  const n = t.length;
  // Centred cross-products, s = sin, c = cos, u = τ: Σ(p − p̄)(q − q̄) summed over groups.
  let ss = 0;
  let sc = 0;
  let su = 0;
  let cc = 0;
  let cu = 0;
  let uu = 0;
  let sy = 0;
  let cy = 0;
  let uy = 0;
  let yy = 0;
  let used = 0;
  let segments = 0;
  let mean = [0, 0, 0, 0];
  let i = 0;
  while (i < n) {
    const y0 = y[i] as number;
    if ((keep !== null && keep[i] !== 1) || !Number.isFinite(y0)) {
      i++;
      continue;
    }
    const s0 = sn[i] as number;
    const c0 = cs[i] as number;
    const u0 = t[i] as number;
    let m = 0;
    let gs = 0;
    let gc = 0;
    let gu = 0;
    let gy = 0;
    let gss = 0;
    let gsc = 0;
    let gsu = 0;
    let gcc = 0;
    let gcu = 0;
    let guu = 0;
    let gsy = 0;
    let gcy = 0;
    let guy = 0;
    let gyy = 0;
    for (; i < n; i++) {
      const yi = y[i] as number;
      if ((keep !== null && keep[i] !== 1) || !Number.isFinite(yi)) {
        if (offsetPerStretch) break;
        continue;
      }
      const s = (sn[i] as number) - s0;
      const c = (cs[i] as number) - c0;
      const u = (t[i] as number) - u0;
      const v = yi - y0;
      m++;
      gs += s;
      gc += c;
      gy += v;
      gss += s * s;
      gsc += s * c;
      gcc += c * c;
      gsy += s * v;
      gcy += c * v;
      gyy += v * v;
      if (withDrift) {
        gu += u;
        gsu += s * u;
        gcu += c * u;
        guu += u * u;
        guy += u * v;
      }
    }
    ss += gss - (gs * gs) / m;
    sc += gsc - (gs * gc) / m;
    su += gsu - (gs * gu) / m;
    cc += gcc - (gc * gc) / m;
    cu += gcu - (gc * gu) / m;
    uu += guu - (gu * gu) / m;
    sy += gsy - (gs * gy) / m;
    cy += gcy - (gc * gy) / m;
    uy += guy - (gu * gy) / m;
    yy += gyy - (gy * gy) / m;
    mean = [s0 + gs / m, c0 + gc / m, u0 + gu / m, y0 + gy / m];
    used += m;
    segments++;
  }
  const p = withDrift ? 3 : 2;
  if (used < p + segments + 2) return null;
  const rhs = withDrift ? [sy, cy, uy] : [sy, cy];
  const normal = withDrift
    ? [
        [ss, sc, su],
        [sc, cc, cu],
        [su, cu, uu],
      ]
    : [
        [ss, sc],
        [sc, cc],
      ];
  let beta: number[];
  try {
    beta = solve(new Matrix(normal), Matrix.columnVector(rhs)).to1DArray();
  } catch {
    return null; // singular: the kept samples cannot separate sin, cos and drift
  }
  const [a = Number.NaN, b = Number.NaN, d = 0] = beta;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  const [ms = 0, mc = 0, mu = 0, my = 0] = mean;
  return {
    a,
    b,
    d,
    offset: my - a * ms - b * mc - d * mu,
    // SSE = SST − βᵀAᵀy for least squares on centred data.
    explained: beta.reduce((acc, bk, k) => acc + bk * (rhs[k] as number), 0),
    sst: yy,
    used,
    segments,
  };
}

export const asSineFit = (f: LinearFit): SineFit => ({
  amplitudeDeg: Math.hypot(f.a, f.b),
  phaseDeg: (Math.atan2(f.b, f.a) * 180) / Math.PI,
  r2: f.sst > 0 ? f.explained / f.sst : 0,
  used: f.used,
  segments: f.segments,
});

/** Least-squares sinusoid at angular frequency ω (rad/s) on the kept samples; null if too few remain. */
export function fitSinusoid(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  keep: Uint8Array | null,
  omega: number,
  withDrift: boolean,
): SineFit | null {
  const f = fitOnBasis(sinusoidBasis(t, omega), t, x, keep, withDrift, true);
  return f && asSineFit(f);
}
