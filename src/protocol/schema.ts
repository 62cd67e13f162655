// The experiment protocol file format (protocols/*.json). This schema is the single source of truth:
// the types, the defaults and the validation messages all come from it.
import { z } from "zod";

/** Study defaults: Katoh et al. 1998 HOKR stimulus (10°, 0.17 Hz); Kanaya et al. 2023 schedule. */
export const STUDY_DEFAULTS = {
  amplitudeDeg: 10,
  frequencyHz: 0.17,
  trainingS: 15 * 60,
  restS: 60 * 60,
  cyclesPerBlock: 10,
} as const;

const positive = (unit: string) => z.number().positive({ message: `must be > 0 ${unit}` });

const stimulusFields = {
  /** A rotating drum, or a stripe pattern on screens. */
  kind: z.enum(["drum", "stripe"]),
  waveform: z.literal("sinusoidal"),
  /** Peak angular displacement, degrees. */
  amplitudeDeg: positive("degrees").max(90, { message: "must be ≤ 90 degrees" }),
  /** Oscillation frequency, Hz. */
  frequencyHz: positive("Hz").max(5, { message: "must be ≤ 5 Hz" }),
  /** Stripe spatial frequency, cycles per degree (stripe displays; informational for drums). */
  spatialFrequencyCpd: positive("cycles/degree"),
};

export const StimulusSettings = z.strictObject({
  kind: stimulusFields.kind.default("drum"),
  waveform: stimulusFields.waveform.default("sinusoidal"),
  amplitudeDeg: stimulusFields.amplitudeDeg.default(STUDY_DEFAULTS.amplitudeDeg),
  frequencyHz: stimulusFields.frequencyHz.default(STUDY_DEFAULTS.frequencyHz),
  spatialFrequencyCpd: stimulusFields.spatialFrequencyCpd.optional(),
});
export type StimulusSettings = z.infer<typeof StimulusSettings>;

/** A phase overrides only the stimulus settings it names (no defaults here, or they would mask the protocol's). */
const StimulusOverrides = z.strictObject(stimulusFields).partial();

export const Phase = z
  .strictObject({
    /** Unique name; light windows refer to phases by it. */
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, { message: "use lower-case letters, digits and '-' (e.g. 'training')" }),
    /** Length of the phase, s. Give this or `cycles`. */
    durationS: positive("seconds").optional(),
    /** Length of the phase in stimulus cycles (stimulus must be on). Give this or `durationS`. */
    cycles: z.number().int().positive().optional(),
    /** Whether the stimulus moves during the phase; when it does, settings override the protocol's `stimulus`. */
    stimulus: z.strictObject({ on: z.boolean() }).extend(StimulusOverrides.shape).default({ on: false }),
    /** Gain blocks: this many consecutive stimulus cycles are averaged into one learning-curve point. */
    cyclesPerBlock: z.number().int().positive().default(STUDY_DEFAULTS.cyclesPerBlock),
  })
  .check((ctx) => {
    const p = ctx.value;
    if ((p.durationS === undefined) === (p.cycles === undefined))
      ctx.issues.push({
        code: "custom",
        input: p,
        path: ["durationS"],
        message: "give exactly one of `durationS` (seconds) or `cycles`",
      });
    if (p.cycles !== undefined && !p.stimulus.on)
      ctx.issues.push({
        code: "custom",
        input: p,
        path: ["cycles"],
        message: "`cycles` needs the stimulus on; use `durationS` for a phase without stimulus",
      });
  });
export type Phase = z.infer<typeof Phase>;

export const LightPattern = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("continuous") }),
  z
    .strictObject({
      kind: z.literal("pulses"),
      /** Light-on time of one pulse, ms. */
      pulseWidthMs: positive("ms"),
      /** Pulse onset to next pulse onset, ms. */
      periodMs: positive("ms"),
      /**
       * Length of one train, s: it holds the pulses that start within it, each played whole
       * (devices/light-source/pulse-train.ts); trains repeat after `interTrainIntervalS` until the window ends.
       * Omit for one train filling the window.
       */
      trainDurationS: positive("seconds").optional(),
      /** Dark gap between trains, s. */
      interTrainIntervalS: z.number().nonnegative().default(0),
    })
    .refine((p) => p.pulseWidthMs < p.periodMs, {
      message: "pulseWidthMs must be shorter than periodMs (use kind 'continuous' for constant light)",
      path: ["pulseWidthMs"],
    }),
]);
export type LightPattern = z.infer<typeof LightPattern>;

export const LightSchedule = z.strictObject({
  /** Rig light channel name (see the rig configuration), e.g. "blue" or "amber". */
  channel: z.string().min(1),
  /** Opsin the light is meant for; the virtual mouse responds to the opsins it expresses. */
  opsin: z.enum(["ChR2", "ArchT"]),
  /** Centre wavelength, nm; must match the rig channel's wavelength. */
  wavelengthNm: z.number().min(350).max(800),
  /** Power at the fibre tip, mW. */
  powerMw: positive("mW"),
  /** Window relative to a named phase: [phase start + startOffsetS, phase end + endOffsetS]. */
  window: z.strictObject({
    phase: z.string().min(1),
    startOffsetS: z.number().default(0),
    endOffsetS: z.number().default(0),
  }),
  pattern: LightPattern,
});
export type LightSchedule = z.infer<typeof LightSchedule>;

export const Protocol = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().default(""),
    /** Stimulus defaults for every phase with the stimulus on. */
    stimulus: StimulusSettings.default(StimulusSettings.parse({})),
    phases: z.array(Phase).min(1, { message: "a protocol needs at least one phase" }),
    light: z.array(LightSchedule).default([]),
  })
  .check((ctx) => {
    const names = ctx.value.phases.map((p) => p.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.issues.push({
          code: "custom",
          input: n,
          path: ["phases", i, "name"],
          message: `duplicate phase name '${n}'`,
        });
    });
    if (!names.includes("training"))
      ctx.issues.push({
        code: "custom",
        input: names,
        path: ["phases"],
        message: "one phase must be named 'training' (online learning is measured over it)",
      });
    ctx.value.light.forEach((l, i) => {
      if (!names.includes(l.window.phase))
        ctx.issues.push({
          code: "custom",
          input: l.window.phase,
          path: ["light", i, "window", "phase"],
          message: `unknown phase '${l.window.phase}'; expected one of: ${names.join(", ")}`,
        });
    });
  });
export type Protocol = z.infer<typeof Protocol>;
export type ProtocolInput = z.input<typeof Protocol>;
