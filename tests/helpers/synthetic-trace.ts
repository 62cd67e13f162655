// Synthetic HOKR eye traces with a known gain, written independently of src/analysis: the eye follows a
// sinusoidal drum at a gain that changes linearly in time, with fast phases (quick resets against the slow
// phase), blinks (NaN), slow drift (random walk + linear), white tracker noise and timestamp jitter.
import { Random } from "../../src/core/random.ts";

export interface SyntheticTraceOptions {
  rateHz: number;
  durationS: number;
  seed: number;
  frequencyHz?: number;
  amplitudeDeg?: number;
  /** The drum starts its first cycle (phase 0, moving rightward) here, s; before it the drum is still. */
  stimStartS?: number;
  /** True gain at the start and end of the trace (linear in between). */
  gain?: [number, number];
  lagDeg?: number;
  noiseDeg?: number;
  driftDegPerSqrtS?: number;
  driftDegPerS?: number;
  saccadeRatePerS?: number;
  saccadeAmplitudeDeg?: [number, number];
  saccadeDurationS?: [number, number];
  blinkRatePerS?: number;
  blinkDurationS?: [number, number];
  /** Each timestamp moves by up to ± this fraction of the sample interval. */
  jitter?: number;
}

export interface SyntheticTrace {
  /** s */
  t: Float64Array;
  /** eye position, deg (NaN in blinks) */
  x: Float64Array;
  /** drum position, deg */
  stim: Float64Array;
  /** True gain at time t (s). */
  gainAt: (tS: number) => number;
}

export function syntheticTrace(o: SyntheticTraceOptions): SyntheticTrace {
  const f = o.frequencyHz ?? 0.17;
  const amp = o.amplitudeDeg ?? 10;
  const start = o.stimStartS ?? 0;
  const [g0, g1] = o.gain ?? [0.4, 0.7];
  const lag = ((o.lagDeg ?? 8) * Math.PI) / 180;
  const noise = o.noiseDeg ?? 0.05;
  const walk = o.driftDegPerSqrtS ?? 0.05;
  const slope = o.driftDegPerS ?? 0.02;
  const [sLo, sHi] = o.saccadeAmplitudeDeg ?? [1, 6];
  const [dLo, dHi] = o.saccadeDurationS ?? [0.02, 0.04];
  const [bLo, bHi] = o.blinkDurationS ?? [0.15, 0.4];
  const sRate = o.saccadeRatePerS ?? 0.4;
  const bRate = o.blinkRatePerS ?? 0.05;
  const jitter = o.jitter ?? 0.1;
  const w = 2 * Math.PI * f;
  const gainAt = (tS: number) => g0 + ((g1 - g0) * tS) / o.durationS;
  const pursuit = (tS: number) => (tS < start ? 0 : gainAt(tS) * amp * Math.sin(w * (tS - start) - lag));
  const r = new Random(o.seed);
  const n = Math.floor(o.durationS * o.rateHz);
  const t = new Float64Array(n);
  const x = new Float64Array(n);
  const stim = new Float64Array(n);
  let offset = 0;
  let prevT = 0;
  let nextSaccade = r.exponential(sRate);
  let saccade: { at: number; size: number; duration: number } | null = null;
  let nextBlink = r.exponential(bRate);
  let blinkUntil = -1;
  for (let i = 0; i < n; i++) {
    const ti = (i + jitter * (2 * r.uniform() - 1)) / o.rateHz;
    t[i] = ti;
    offset += walk * Math.sqrt(Math.max(0, ti - prevT)) * r.normal() + slope * (ti - prevT);
    prevT = ti;
    if (!saccade && ti >= nextSaccade) {
      // A quick phase resets the eye against its slow-phase motion (toward the centre when nearly still).
      const slowVelocity = pursuit(ti + 1e-3) - pursuit(ti);
      const eye = offset + pursuit(ti);
      const direction = Math.abs(slowVelocity) > 1e-3 ? -Math.sign(slowVelocity) : -Math.sign(eye) || 1;
      saccade = { at: ti, size: direction * r.between(sLo, sHi), duration: r.between(dLo, dHi) };
    }
    let step = 0;
    if (saccade) {
      const u = (ti - saccade.at) / saccade.duration;
      if (u >= 1) {
        offset += saccade.size;
        saccade = null;
        nextSaccade = ti + r.exponential(sRate);
      } else step = (saccade.size * (1 - Math.cos(Math.PI * u))) / 2;
    }
    if (ti >= nextBlink) {
      blinkUntil = ti + r.between(bLo, bHi);
      nextBlink = blinkUntil + r.exponential(bRate);
    }
    stim[i] = ti < start ? 0 : amp * Math.sin(w * (ti - start));
    x[i] = ti < blinkUntil ? Number.NaN : offset + step + pursuit(ti) + noise * r.normal();
  }
  return { t, x, stim, gainAt };
}
