// Gain of one stimulus cycle: remove fast phases and blinks, then fit a sinusoid at the stimulus frequency.
//
// Fit (least squares), τ = time since cycle start (s), ω = 2πf (rad/s):
//   x(τ) = a·sin ωτ + b·cos ωτ + d·τ + c_k        (c_k: one offset per stretch k between fast phases)
// Per-stretch offsets absorb the position steps fast phases leave behind; d absorbs slow drift. The offsets
// are eliminated exactly by centring each column within its stretch (Frisch–Waugh–Lovell), leaving a 3×3
// (2×2 without drift) normal-equation solve. Amplitude R = √(a² + b²) deg, phase φ = atan2(b, a), so
// x ≈ R·sin(ωτ + φ). Gain = R_eye / R_stimulus; phase lag = φ_stimulus − φ_eye (deg, positive = eye lags).
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

/**
 * Which samples to keep (1) or drop (0): samples whose eye speed exceeds the threshold, and blink (NaN)
 * samples, are dropped together with `padBeforeS`/`padAfterS` around them; kept stretches shorter than
 * `minSegmentS` are dropped too. Velocity is the least-squares slope over `velocityWindowS`.
 */
export function fastPhaseMask(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  thresholdDegS: number,
  s: Pick<AnalysisSettings, "padBeforeS" | "padAfterS" | "velocityWindowS" | "minSegmentS">,
): Uint8Array {
  const n = t.length;
  const bad = new Uint8Array(n);
  const half = s.velocityWindowS / 2;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const ti = t[i] as number;
    while ((t[lo] as number) < ti - half) lo++;
    while (hi + 1 < n && (t[hi + 1] as number) <= ti + half) hi++;
    let st = 0;
    let sx = 0;
    let m = 0;
    let nan = false;
    for (let j = lo; j <= hi; j++) {
      const xj = x[j] as number;
      if (Number.isNaN(xj)) nan = true;
      st += t[j] as number;
      sx += xj;
      m++;
    }
    if (nan) {
      bad[i] = 1;
      continue;
    }
    const tm = st / m;
    const xm = sx / m;
    let stt = 0;
    let stx = 0;
    for (let j = lo; j <= hi; j++) {
      const dt = (t[j] as number) - tm;
      stt += dt * dt;
      stx += dt * ((x[j] as number) - xm);
    }
    if (stt > 0 && Math.abs(stx / stt) > thresholdDegS) bad[i] = 1;
  }
  // Dilate: drop samples within padAfterS after, or padBeforeS before, any bad sample.
  const keep = new Uint8Array(n).fill(1);
  let lastBad = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    if (bad[i]) lastBad = t[i] as number;
    if ((t[i] as number) - lastBad <= s.padAfterS) keep[i] = 0;
  }
  let nextBad = Number.POSITIVE_INFINITY;
  for (let i = n - 1; i >= 0; i--) {
    if (bad[i]) nextBad = t[i] as number;
    if (nextBad - (t[i] as number) <= s.padBeforeS) keep[i] = 0;
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

/** Least-squares sinusoid at angular frequency ω (rad/s) on the kept samples; null if too few remain. */
export function fitSinusoid(
  t: ArrayLike<number>,
  x: ArrayLike<number>,
  keep: Uint8Array | null,
  omega: number,
  withDrift: boolean,
): SineFit | null {
  const n = t.length;
  const p = withDrift ? 3 : 2;
  const ata = Matrix.zeros(p, p);
  const atb = Matrix.zeros(p, 1);
  let sst = 0;
  let used = 0;
  let segments = 0;
  const cols = [0, 0, 0];
  for (let i = 0; i < n; ) {
    if (keep && !keep[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && (!keep || keep[j + 1])) j++;
    // Stretch [i, j]: centre the regressors and x within it.
    const len = j - i + 1;
    let ms = 0;
    let mc = 0;
    let mt = 0;
    let mx = 0;
    for (let k = i; k <= j; k++) {
      const tk = t[k] as number;
      ms += Math.sin(omega * tk);
      mc += Math.cos(omega * tk);
      mt += tk;
      mx += x[k] as number;
    }
    ms /= len;
    mc /= len;
    mt /= len;
    mx /= len;
    for (let k = i; k <= j; k++) {
      const tk = t[k] as number;
      cols[0] = Math.sin(omega * tk) - ms;
      cols[1] = Math.cos(omega * tk) - mc;
      cols[2] = tk - mt;
      const y = (x[k] as number) - mx;
      for (let r = 0; r < p; r++) {
        atb.set(r, 0, atb.get(r, 0) + (cols[r] as number) * y);
        for (let c = 0; c < p; c++) ata.set(r, c, ata.get(r, c) + (cols[r] as number) * (cols[c] as number));
      }
      sst += y * y;
    }
    used += len;
    segments++;
    i = j + 1;
  }
  if (used < p + segments + 2) return null;
  const beta = solve(ata, atb);
  const a = beta.get(0, 0);
  const b = beta.get(1, 0);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  // SSE = SST − βᵀAᵀy for least squares on centred data.
  let explained = 0;
  for (let r = 0; r < p; r++) explained += beta.get(r, 0) * atb.get(r, 0);
  return {
    amplitudeDeg: Math.hypot(a, b),
    phaseDeg: (Math.atan2(b, a) * 180) / Math.PI,
    r2: sst > 0 ? explained / sst : 0,
    used,
    segments,
  };
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
  const threshold = Math.max(s.saccadeThresholdDegS, 3 * omega * stimAmp);
  const keep = fastPhaseMask(c.eyeT, c.eyeX, threshold, s);
  const eye = fitSinusoid(c.eyeT, c.eyeX, keep, omega, true);
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
