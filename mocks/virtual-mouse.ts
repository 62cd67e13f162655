// The virtual mouse: an eye that follows the stimulus it sees at a gain that learns.
//
// Gain model (parallel online/offline learning, Kanaya et al. 2023), times in s, gains dimensionless:
//   gain(t) = baseline + g_on(t) + g_off(t)
//   stimulus moving (training):  dg_on/dt = (m(t)·A_on − g_on)/τ_on,   m = drive + Σ_opsin lit·ε_on
//                                du/dt = 1/T_ref                       (offline drive, independent of g_on)
//   stimulus still (rest):       dg_on/dt = −g_on/τ_decay
//                                dy/dt = (u − y)/τ_delay               (delay stage)
//                                dg_off/dt = (k(t)·A_off·y − g_off)/τ_off,  k = 1 + Σ_opsin lit·ε_off
// Each step uses the exact solution of these linear ODEs for piecewise-constant inputs, so results do not
// depend on the sample rate. Light acts through the opsins the animal expresses, by wavelength.
//
// Eye position, degrees: x = offset(t) + gain·A·sin(2πf(t − t0) − lag) + noise, with fast phases (smooth
// 25 ms steps of the offset back toward the centre), a random-walk drift and blinks (NaN).
import type { Random } from "../src/core/random.ts";
import { type MouseIndividual, type MouseParameters, OPSIN_PEAK_NM } from "./mouse-parameters.ts";

/** What the mouse sees at a moment: the stimulus (if moving) and the wavelengths of lights that are on. */
export interface MouseWorld {
  stimulus(): { t0S: number; amplitudeDeg: number; frequencyHz: number } | null;
  litWavelengthsNm(): readonly number[];
}

export class VirtualMouse {
  private gOn = 0;
  private gOff = 0;
  private u = 0;
  private y = 0;
  private lastS: number | undefined;
  private offset = 0;
  private saccade: { startS: number; from: number; to: number } | undefined;
  private nextSaccadeS: number;
  private blinkUntilS = -1;
  private nextBlinkS: number;
  /** ∫gain dt sampled every 0.1 s, for the true mean gain over any window (tests, simulations). */
  private readonly integral: number[] = [0];
  private integralNow = 0;
  /**
   * The decay factors exp(−dt/τ) and √dt of the last two step lengths seen: samples come at a fixed rate, and
   * the differences of their times (s, rounded) alternate between two neighbouring doubles, so each factor is
   * computed a few times per session instead of once per sample (the same numbers either way).
   */
  private newer: Decay = NO_DECAY;
  private older: Decay = NO_DECAY;

  constructor(
    readonly individual: MouseIndividual,
    private readonly params: MouseParameters,
    private readonly world: MouseWorld,
    private readonly random: Random,
  ) {
    this.nextSaccadeS = random.exponential(params.saccadeRatePerS || 1e-9);
    this.nextBlinkS = random.exponential(params.blinkRatePerS || 1e-9);
  }

  get gain(): number {
    return Math.max(0, this.individual.baselineGain + this.gOn + this.gOff);
  }

  /** Mean true gain over [aS, bS] (session s), from the recorded integral (0.1 s resolution). */
  meanTrueGain(aS: number, bS: number): number {
    const at = (t: number) => {
      const i = Math.min(Math.floor(t * 10), this.integral.length - 2);
      const f = t * 10 - i;
      return (this.integral[i] ?? 0) * (1 - f) + (this.integral[i + 1] ?? 0) * f;
    };
    return (at(bS) - at(aS)) / (bS - aS);
  }

  /** The summed effect of the lit opsins the animal expresses: `chr2` for ChR2, `archt` for ArchT. */
  private lit(chr2: number, archt: number): number {
    let sum = 0;
    const lit = this.world.litWavelengthsNm();
    if (lit.length === 0) return 0;
    for (const opsin of this.individual.opsins)
      if (lit.some((nm) => Math.abs(nm - OPSIN_PEAK_NM[opsin]) <= this.params.opsinBandHalfWidthNm))
        sum += opsin === "ChR2" ? chr2 : archt;
    return sum;
  }

  /** The decay factors of a step of `dt` s. */
  private decayOver(dt: number): Decay {
    if (dt === this.newer.dt) return this.newer;
    if (dt === this.older.dt) return this.older;
    this.older = this.newer;
    this.newer = decayOf(dt, this.individual, this.params);
    return this.newer;
  }

  private learn(dt: number, moving: boolean, decay: Decay): void {
    const p = this.params;
    const ind = this.individual;
    if (moving) {
      const m = ind.onlineDrive + this.lit(p.chr2OnlineEffect, p.archtOnlineEffect);
      const target = m * ind.onlineAmplitude;
      this.gOn = target + (this.gOn - target) * decay.onlineTau;
      this.u += dt / p.offlineReferenceTrainingS;
    } else {
      this.gOn *= decay.onlineDecay;
      this.y = this.u + (this.y - this.u) * decay.offlineDelay;
      const k = 1 + this.lit(p.chr2OfflineEffect, p.archtOfflineEffect);
      const target = k * ind.offlineAmplitude * this.y;
      this.gOff = target + (this.gOff - target) * decay.offline;
    }
  }

  private recordIntegral(tS: number, dt: number): void {
    this.integralNow += this.gain * dt;
    while (this.integral.length <= tS * 10) this.integral.push(this.integralNow);
  }

  /** Eye position at session time tS, degrees (NaN during a blink). Calls must come in time order. */
  sample(tS: number): number {
    const p = this.params;
    const r = this.random;
    const dt = this.lastS === undefined ? 0 : tS - this.lastS;
    this.lastS = tS;
    const stim = this.world.stimulus();
    const decay = this.decayOver(dt);
    this.learn(dt, stim !== null, decay);
    this.recordIntegral(tS, dt);

    this.offset += p.driftDegPerSqrtS * decay.sqrtDt * r.normal();
    const pursuit = stim
      ? this.gain *
        stim.amplitudeDeg *
        Math.sin(
          2 * Math.PI * stim.frequencyHz * (tS - stim.t0S) - (this.individual.phaseLagDeg * Math.PI) / 180,
        )
      : 0;
    if (this.saccade === undefined && tS >= this.nextSaccadeS) {
      // Fast phase: jump back toward the centre, against the current eccentricity.
      const x = this.offset + pursuit;
      const size = r.between(p.saccadeAmplitudeDeg[0], p.saccadeAmplitudeDeg[1]);
      const direction = x === 0 ? (r.uniform() < 0.5 ? -1 : 1) : -Math.sign(x);
      this.saccade = { startS: tS, from: this.offset, to: this.offset + direction * size };
    }
    if (this.saccade) {
      const s = (tS - this.saccade.startS) / p.saccadeDurationS;
      const { from, to } = this.saccade;
      this.offset = s >= 1 ? to : from + ((to - from) * (1 - Math.cos(Math.PI * s))) / 2;
      if (s >= 1) {
        this.saccade = undefined;
        this.nextSaccadeS = tS + r.exponential(p.saccadeRatePerS || 1e-9);
      }
    }
    if (tS >= this.nextBlinkS) {
      this.blinkUntilS = tS + r.between(p.blinkDurationS[0], p.blinkDurationS[1]);
      this.nextBlinkS = this.blinkUntilS + r.exponential(p.blinkRatePerS || 1e-9);
    }
    const noise = p.noiseDeg * r.normal();
    return tS < this.blinkUntilS ? Number.NaN : this.offset + pursuit + noise;
  }
}

/** A step's decay factors (see VirtualMouse.newer and .older). */
interface Decay {
  dt: number;
  onlineTau: number;
  onlineDecay: number;
  offlineDelay: number;
  offline: number;
  sqrtDt: number;
}

/** No step yet: matches no step length (NaN equals nothing). */
const NO_DECAY: Decay = {
  dt: Number.NaN,
  onlineTau: 0,
  onlineDecay: 0,
  offlineDelay: 0,
  offline: 0,
  sqrtDt: 0,
};

function decayOf(dt: number, ind: MouseIndividual, p: MouseParameters): Decay {
  return {
    dt,
    onlineTau: Math.exp(-dt / ind.onlineTauS),
    onlineDecay: Math.exp(-dt / ind.onlineDecayTauS),
    offlineDelay: Math.exp(-dt / p.offlineDelayTauS),
    offline: Math.exp(-dt / p.offlineTauS),
    sqrtDt: Math.sqrt(dt),
  };
}
