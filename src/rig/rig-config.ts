// The rig configuration: which light channels exist and the safety limits the rig owner sets for them.
// Protocols are checked against it before anything is switched on.
import { z } from "zod";

export const LightLimits = z.strictObject({
  /** Highest power a protocol may ask for, mW at the fibre tip. */
  maxPowerMw: z.number().positive().default(20),
  /** Highest long-run fraction of time on (pulse width / period × train fraction), 0–1. */
  maxDutyCycle: z.number().gt(0).max(1).default(0.5),
  /** Longest single stretch of light, s (tissue heating). */
  maxContinuousOnS: z.number().positive().default(10),
});
export type LightLimits = z.infer<typeof LightLimits>;

export const LightChannel = z.strictObject({
  name: z.string().min(1),
  /** LED/laser centre wavelength, nm. */
  wavelengthNm: z.number().min(350).max(800),
  limits: LightLimits.default(LightLimits.parse({})),
});
export type LightChannel = z.infer<typeof LightChannel>;

export const RigConfig = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().default("simulated rig"),
  light: z
    .array(LightChannel)
    .min(1)
    .default([
      { name: "blue", wavelengthNm: 470, limits: LightLimits.parse({}) },
      { name: "amber", wavelengthNm: 593, limits: LightLimits.parse({}) },
    ]),
  /** How far a protocol's wavelength may be from the channel's, nm. */
  wavelengthToleranceNm: z.number().nonnegative().default(15),
});
export type RigConfig = z.infer<typeof RigConfig>;

/** The simulated rig: one blue (ChR2) and one amber (ArchT) channel with the default limits. */
export const SIMULATED_RIG: RigConfig = RigConfig.parse({});
