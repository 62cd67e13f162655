// Analysis settings for gain estimation: one schema, defaults documented here, overridable per run.
import { z } from "zod";

export const AnalysisSettings = z.strictObject({
  /** Eye speed above which a sample belongs to a fast phase, °/s. The effective threshold is at least
   *  3 × the stimulus's peak velocity, so fast stimuli are not mistaken for saccades. */
  saccadeThresholdDegS: z.number().positive().default(40),
  /** Samples removed before / after each fast-phase or blink sample, s. */
  padBeforeS: z.number().nonnegative().default(0.05),
  padAfterS: z.number().nonnegative().default(0.05),
  /** Span of the least-squares slope used as eye velocity, s (smooths tracker noise before thresholding). */
  velocityWindowS: z.number().positive().default(0.025),
  /** Stretches of kept samples shorter than this are dropped, s. */
  minSegmentS: z.number().nonnegative().default(0.1),
  /** A cycle is good when at least this fraction of its samples survive removal… */
  minUsedFraction: z.number().min(0).max(1).default(0.5),
  /** …and its sinusoid fit explains at least this much variance. */
  minR2: z.number().min(0).max(1).default(0.5),
  /** A block is flagged "few-good-cycles" below this fraction of good cycles. */
  minGoodCycleFraction: z.number().min(0).max(1).default(0.5),
});
export type AnalysisSettings = z.infer<typeof AnalysisSettings>;
export const DEFAULT_ANALYSIS: AnalysisSettings = AnalysisSettings.parse({});
