// Gain of one stimulus cycle: remove fast phases and blinks (./fast-phases.ts), then fit a sinusoid at the
// stimulus frequency (./sinusoid-fit.ts). Gain = R_eye / R_stimulus; phase lag = φ_stimulus − φ_eye (deg,
// positive = eye lags). Settings and their defaults: ./settings.ts.
import { fastPhaseMask } from "./fast-phases.ts";
import type { AnalysisSettings } from "./settings.ts";
import { asSineFit, fitOnBasis, fitSinusoid, sinusoidBasis } from "./sinusoid-fit.ts";

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
