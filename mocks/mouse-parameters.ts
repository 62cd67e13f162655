// Every parameter of the virtual mouse, its unit and its default, in one place. Population values; each
// animal draws its own from them (see drawMouse), so a cohort has early and late bloomers.
// The spreads are set so that cohorts of 12 show the study's pattern (`hokr simulate`, src/cohort): offline
// learning (test − last training block) contains minus the online gain lost during the rest, so online
// learning must vary less between animals than consolidation does, or the two come out negatively correlated
// even though the processes are independent; and the ArchT-during-rest effect must stand out from that spread.
import { z } from "zod";
import type { Random } from "../src/core/random.ts";

/** A positive quantity varying between animals log-normally: median × exp(logSd · N(0,1)). */
const LogNormal = (median: number, logSd: number) =>
  z
    .strictObject({ median: z.number().positive(), logSd: z.number().nonnegative() })
    .default({ median, logSd });

export const MouseParameters = z.strictObject({
  /** Eye-tracker frame rate, Hz. */
  sampleRateHz: z.number().positive().default(200),
  /** HOKR gain before training (10°, 0.17 Hz drum: peak stimulus velocity 10.7 °/s). */
  baselineGain: LogNormal(0.45, 0.06),
  /** Online component: target gain increase under control training (A_on). */
  onlineAmplitude: LogNormal(0.22, 0.1),
  /** Online component: time constant of learning while the stimulus moves (τ_on), s. Spread = early vs late bloomers. */
  onlineTauS: LogNormal(600, 0.25),
  /** Online component: decay time constant when the stimulus stops (τ_decay), s. */
  onlineDecayTauS: LogNormal(720, 0.2),
  /** Offline component: gain it reaches after a full rest following standard (15 min) training (A_off). */
  offlineAmplitude: LogNormal(0.2, 0.5),
  /** Offline component: delay stage time constant (τ_delay), s; consolidation starts slowly after training. */
  offlineDelayTauS: z.number().positive().default(900),
  /** Offline component: build-up time constant (τ_off), s. */
  offlineTauS: z.number().positive().default(720),
  /** Training time that gives a unit offline drive, s (the study's 15 min). */
  offlineReferenceTrainingS: z.number().positive().default(900),
  /**
   * Glial drive of online learning (m). 1 = normal; LRRC8A knockout animals use `knockoutOnlineDrive`
   * (negative: gain falls during training).
   */
  knockoutOnlineDrive: z.number().default(-0.35),
  /** Added to m while the opsin's light is on: ChR2 (more glial glutamate release) raises online learning. */
  chr2OnlineEffect: z.number().default(1.2),
  /** Added to m while ArchT's light is on: suppresses online learning (with 50% duty, m ≈ 0). */
  archtOnlineEffect: z.number().default(-2),
  /** Added to the offline gain factor (k = 1 + …) while the opsin's light is on during rest. */
  archtOfflineEffect: z.number().default(2.4),
  chr2OfflineEffect: z.number().default(0),
  /** Half-width of an opsin's activation band around its peak, nm (ChR2 470 nm, ArchT 575 nm). */
  opsinBandHalfWidthNm: z.number().positive().default(40),
  /** Eye phase lag behind the stimulus, degrees: mean and between-animal SD. */
  phaseLagDeg: z
    .strictObject({ mean: z.number(), sd: z.number().nonnegative() })
    .default({ mean: 12, sd: 4 }),
  /** Fast phases (saccades): rate, 1/s; amplitude range, degrees; duration, s. */
  saccadeRatePerS: z.number().nonnegative().default(0.3),
  saccadeAmplitudeDeg: z.tuple([z.number().positive(), z.number().positive()]).default([1, 4]),
  saccadeDurationS: z.number().positive().default(0.025),
  /** Blinks (pupil lost, NaN samples): rate, 1/s, and duration range, s. */
  blinkRatePerS: z.number().nonnegative().default(0.05),
  blinkDurationS: z.tuple([z.number().positive(), z.number().positive()]).default([0.15, 0.3]),
  /** Tracker noise, SD in degrees, white per sample. */
  noiseDeg: z.number().nonnegative().default(0.05),
  /** Slow drift of eye position: random-walk SD, degrees per √s. */
  driftDegPerSqrtS: z.number().nonnegative().default(0.03),
});
export type MouseParameters = z.infer<typeof MouseParameters>;

/** Subject flags a session can name (`--subject lrrc8a-ko`). */
export const SubjectFlag = z.enum(["lrrc8a-ko", "no-opsin"]);
export type SubjectFlag = z.infer<typeof SubjectFlag>;

export type Opsin = "ChR2" | "ArchT";
export const OPSIN_PEAK_NM: Record<Opsin, number> = { ChR2: 470, ArchT: 575 };

/** One animal: its own values drawn from the population parameters. */
export interface MouseIndividual {
  baselineGain: number;
  onlineAmplitude: number;
  onlineTauS: number;
  onlineDecayTauS: number;
  offlineAmplitude: number;
  /** Glial drive of online learning (1, or the knockout value). */
  onlineDrive: number;
  phaseLagDeg: number;
  opsins: readonly Opsin[];
}

export function drawMouse(
  p: MouseParameters,
  random: Random,
  flags: readonly SubjectFlag[],
  opsins: readonly Opsin[],
): MouseIndividual {
  const draw = (d: { median: number; logSd: number }) => d.median * Math.exp(d.logSd * random.normal());
  return {
    baselineGain: draw(p.baselineGain),
    onlineAmplitude: draw(p.onlineAmplitude),
    onlineTauS: draw(p.onlineTauS),
    onlineDecayTauS: draw(p.onlineDecayTauS),
    offlineAmplitude: draw(p.offlineAmplitude),
    onlineDrive: flags.includes("lrrc8a-ko") ? p.knockoutOnlineDrive : 1,
    phaseLagDeg: p.phaseLagDeg.mean + p.phaseLagDeg.sd * random.normal(),
    opsins: flags.includes("no-opsin") ? [] : opsins,
  };
}
