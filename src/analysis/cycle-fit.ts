// Gain of one stimulus cycle: remove fast phases and blinks, then fit a sinusoid at the stimulus frequency.
//
// Fit (least squares), τ = time since cycle start (s), ω = 2πf (rad/s):
//   x(τ) = a·sin ωτ + b·cos ωτ + d·τ + c_k        (c_k: one offset per stretch k between fast phases)
// Per-stretch offsets absorb the position steps fast phases leave behind; d absorbs slow drift. The offsets
// are eliminated exactly by centring each column within its stretch (Frisch–Waugh–Lovell), leaving a 3×3
// (2×2 without drift) normal-equation solve. Amplitude R = √(a² + b²) deg, phase φ = atan2(b, a), so
// x ≈ R·sin(ωτ + φ). Gain = R_eye / R_stimulus; phase lag = φ_stimulus − φ_eye (deg, positive = eye lags).
//
// Fast phases (the Raymond lab's method): eye velocity v (°/s) is the least-squares slope of x over a short
// window (at least 3 samples), which smooths before it differentiates; the slow phase v̂ = p·sin ωτ + q·cos ωτ
// + r is fitted to v and refitted without the samples it leaves more than the threshold away; samples with
// |v − v̂| above the threshold are fast phases. Subtracting v̂ keeps a fast stimulus from being taken for
// saccades; the threshold rises with the residual's robust SD, so a noisy tracker's noise is not either.
// Settings and their defaults: ./settings.ts.
import { Matrix, solve } from "ml-matrix";
import type { AnalysisSettings } from "./settings.ts";

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

interface LinearFit {
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
function fitOnBasis(
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

const asSineFit = (f: LinearFit): SineFit => ({
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

/** Half-width of the velocity window, samples: round(W / 2Δt) with Δt the mean sample interval, at least 1. */
function halfWindow(t: ArrayLike<number>, windowS: number): number {
  const n = t.length;
  if (n < 2) return 1;
  return Math.max(1, Math.round(windowS / ((2 * ((t[n - 1] as number) - (t[0] as number))) / (n - 1))));
}

/**
 * Eye velocity, °/s: the least-squares slope of x against t over ±k samples, k = max(1, round(W / 2Δt)) with
 * W = `windowS` and Δt the mean sample interval, so the slope always spans at least 3 samples. NaN where the
 * window holds a NaN (blink). Running sums keep it O(n) at any sampling rate.
 */
export function eyeVelocity(t: ArrayLike<number>, x: ArrayLike<number>, windowS: number): Float64Array {
  const n = t.length;
  const v = new Float64Array(n).fill(Number.NaN);
  if (n < 2) return v;
  const t0 = t[0] as number;
  const k = halfWindow(t, windowS);
  let st = 0;
  let stt = 0;
  let sx = 0;
  let stx = 0;
  let nan = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const top = Math.min(n - 1, i + k);
    while (hi < top) {
      hi++;
      const u = (t[hi] as number) - t0;
      const xv = x[hi] as number;
      st += u;
      stt += u * u;
      if (Number.isFinite(xv)) {
        sx += xv;
        stx += u * xv;
      } else nan++;
    }
    while (lo < i - k) {
      const u = (t[lo] as number) - t0;
      const xv = x[lo] as number;
      st -= u;
      stt -= u * u;
      if (Number.isFinite(xv)) {
        sx -= xv;
        stx -= u * xv;
      } else nan--;
      lo++;
    }
    if (nan > 0) continue;
    // slope = Σ(u − ū)(x − x̄) / Σ(u − ū)², both sums scaled by m to need one division.
    const m = hi - lo + 1;
    const den = m * stt - st * st;
    if (den > 0) v[i] = (m * stx - st * sx) / den;
  }
  return v;
}

/**
 * Robust SD of the finite values, 1.4826 × median |v| (v is centred: a residual, or a velocity that swings
 * about 0), from at most 512 evenly spread samples (the median's own SD is then ≈ 6% of σ); fast phases, a few
 * percent of samples, barely move it.
 */
function robustSd(v: Float64Array): number {
  const step = Math.max(1, Math.ceil(v.length / 512));
  const abs = new Float64Array(Math.ceil(v.length / step));
  let m = 0;
  for (let i = 0; i < v.length; i += step) {
    const a = Math.abs(v[i] as number);
    if (a <= Number.MAX_VALUE) abs[m++] = a;
  }
  if (m === 0) return 0;
  const sorted = abs.subarray(0, m).sort();
  return 1.4826 * (sorted[m >> 1] as number);
}

/**
 * Fits the slow-phase velocity p·sin + q·cos + r to v as described at the top; null if too few samples.
 * v is a slope over ±k samples, so neighbours share most of their data: every k-th sample carries nearly all
 * of it, and fitting those makes the fit k times cheaper at high sampling rates.
 */
function slowPhaseVelocity(
  v: Float64Array,
  t: ArrayLike<number>,
  basis: SinusoidBasis,
  k: number,
  thresholdDegS: number,
): LinearFit | null {
  const m = Math.ceil(v.length / k);
  const vs = new Float64Array(m);
  const ts = new Float64Array(m);
  const sub: SinusoidBasis = { sin: new Float64Array(m), cos: new Float64Array(m) };
  for (let j = 0, i = 0; j < m; j++, i += k) {
    vs[j] = v[i] as number;
    ts[j] = t[i] as number;
    sub.sin[j] = basis.sin[i] as number;
    sub.cos[j] = basis.cos[i] as number;
  }
  const first = fitOnBasis(sub, ts, vs, null, false, false);
  if (!first) return null;
  const near = new Uint8Array(m);
  for (let j = 0; j < m; j++)
    near[j] =
      Math.abs(
        (vs[j] as number) -
          first.a * (sub.sin[j] as number) -
          first.b * (sub.cos[j] as number) -
          first.offset,
      ) <= thresholdDegS
        ? 1
        : 0;
  return fitOnBasis(sub, ts, vs, near, false, false) ?? first;
}

/**
 * Which samples to keep (1) or drop (0): samples whose eye speed exceeds the threshold, and blink (NaN)
 * samples, are dropped together with `padBeforeS`/`padAfterS` around them; kept stretches shorter than
 * `minSegmentS` are dropped too. Velocity as in `eyeVelocity`; with `slowPhase` (the cycle's sinusoid basis)
 * the threshold applies to the velocity left after the fitted slow phase is subtracted. The threshold rises to
 * `noiseThresholdFactor` robust SDs of that velocity when tracker noise alone would cross it.
 */
export function fastPhaseMask(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  thresholdDegS: number,
  s: Pick<
    AnalysisSettings,
    "padBeforeS" | "padAfterS" | "velocityWindowS" | "minSegmentS" | "noiseThresholdFactor"
  >,
  slowPhase?: SinusoidBasis,
): Uint8Array {
  const n = t.length;
  const k = halfWindow(t, s.velocityWindowS);
  const v = eyeVelocity(t, x, s.velocityWindowS);
  const slow = slowPhase ? slowPhaseVelocity(v, t, slowPhase, k, thresholdDegS) : null;
  if (slowPhase && slow) {
    const { sin: sn, cos: cs } = slowPhase;
    for (let i = 0; i < n; i++)
      v[i] = (v[i] as number) - slow.a * (sn[i] as number) - slow.b * (cs[i] as number) - slow.offset;
  }
  const threshold = Math.max(thresholdDegS, s.noiseThresholdFactor * robustSd(v));
  // Bad: fast (or NaN) samples. Dilate: drop samples within padAfterS after, or padBeforeS before, a bad one.
  const bad = new Uint8Array(n);
  const keep = new Uint8Array(n);
  let lastBad = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const ti = t[i] as number;
    if (!(Math.abs(v[i] as number) <= threshold)) {
      bad[i] = 1;
      lastBad = ti;
    }
    keep[i] = ti - lastBad <= s.padAfterS ? 0 : 1;
  }
  let nextBad = Number.POSITIVE_INFINITY;
  for (let i = n - 1; i >= 0; i--) {
    const ti = t[i] as number;
    if (bad[i]) nextBad = ti;
    if (nextBad - ti <= s.padBeforeS) keep[i] = 0;
  }
  // Drop short stretches: too little data to pin their own offset.
  for (let i = 0; i < n; ) {
    if (!keep[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && keep[j + 1]) j++;
    if ((t[j] as number) - (t[i] as number) < s.minSegmentS) keep.fill(0, i, j + 1);
    i = j + 1;
  }
  return keep;
}

/** One stimulus cycle's samples; times in s since the cycle's start. */
export interface CycleSamples {
  frequencyHz: number;
  /** Commanded stimulus amplitude, deg; used when the stimulus reported too few positions to fit. */
  commandedAmplitudeDeg: number;
  eyeT: ArrayLike<number>;
  eyeX: ArrayLike<number>;
  stimT: ArrayLike<number>;
  stimX: ArrayLike<number>;
}

export interface CycleGain {
  gain: number;
  phaseLagDeg: number;
  r2: number;
  usedFraction: number;
  good: boolean;
}

const wrapDeg = (d: number) => ((((d + 180) % 360) + 360) % 360) - 180;

export function cycleGain(c: CycleSamples, s: AnalysisSettings): CycleGain {
  const omega = 2 * Math.PI * c.frequencyHz;
  const stim = c.stimT.length >= 8 ? fitSinusoid(c.stimT, c.stimX, null, omega, false) : null;
  const stimAmp = stim?.amplitudeDeg ?? c.commandedAmplitudeDeg;
  const basis = sinusoidBasis(c.eyeT, omega);
  const keep = fastPhaseMask(c.eyeT, c.eyeX, s.saccadeThresholdDegS, s, basis);
  const fit = fitOnBasis(basis, c.eyeT, c.eyeX, keep, true, true);
  const eye = fit && asSineFit(fit);
  const usedFraction = (eye?.used ?? 0) / Math.max(1, c.eyeT.length);
  if (!eye) return { gain: Number.NaN, phaseLagDeg: Number.NaN, r2: Number.NaN, usedFraction, good: false };
  return {
    gain: eye.amplitudeDeg / stimAmp,
    phaseLagDeg: wrapDeg((stim?.phaseDeg ?? 0) - eye.phaseDeg),
    r2: eye.r2,
    usedFraction,
    good: usedFraction >= s.minUsedFraction && eye.r2 >= s.minR2,
  };
}
