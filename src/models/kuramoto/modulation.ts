// Time-dependent inhibition gain g(t) that multiplies the chosen inhibitory couplings (K_EI: I onto E,
// K_II: I onto I). Default targets are both, i.e. the inhibitory population's output strength is scaled,
// as when inhibitory release is modulated. g(t) ≥ 0 keeps every coupling non-negative.
import { z } from "zod";

export const InhibitoryTargetSchema = z.enum(["EI", "II"]);

const targets = z.array(InhibitoryTargetSchema).min(1).default(["EI", "II"]);

export const LightIntervalSchema = z
  .object({
    /** light on, s from the start of the run */
    on: z.number().min(0),
    /** light off, s */
    off: z.number().min(0),
  })
  .refine((iv) => iv.off > iv.on, { message: "each light interval needs off > on (seconds)" });

export const GainScheduleSchema = z.discriminatedUnion("kind", [
  z.object({
    /** g(t) = 1 + depth·sin(2π·frequency·t + phase) */
    kind: z.literal("sine"),
    depth: z.number().min(0).max(1),
    /** Hz */
    frequency: z.number().positive(),
    /** rad */
    phase: z.number().default(0),
    targets,
  }),
  z.object({
    /** g(t) = gain while t lies in one of the intervals [on, off), 1 otherwise */
    kind: z.literal("intervals"),
    intervals: z.array(LightIntervalSchema),
    gain: z.number().min(0),
    targets,
  }),
]);

export type GainSchedule = z.infer<typeof GainScheduleSchema>;
export type LightInterval = z.infer<typeof LightIntervalSchema>;
export type InhibitoryTarget = z.infer<typeof InhibitoryTargetSchema>;

export function gainAt(schedule: GainSchedule | undefined, t: number): number {
  if (schedule === undefined) return 1;
  if (schedule.kind === "sine") {
    return 1 + schedule.depth * Math.sin(2 * Math.PI * schedule.frequency * t + schedule.phase);
  }
  return schedule.intervals.some((iv) => t >= iv.on && t < iv.off) ? schedule.gain : 1;
}

/**
 * Light schedule → inhibition gain: while the light is on, the targeted inhibitory couplings are
 * multiplied by `gain` (e.g. > 1 for an opsin that excites interneurons, < 1 for one that silences them).
 * A pure function of the intervals so that any protocol format can feed it.
 */
export function lightGainSchedule(
  intervals: readonly LightInterval[],
  gain: number,
  on: readonly InhibitoryTarget[] = ["EI", "II"],
): GainSchedule {
  return GainScheduleSchema.parse({ kind: "intervals", intervals, gain, targets: on });
}
