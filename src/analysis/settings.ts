// Analysis settings for gain estimation: one schema, defaults documented here, overridable per run.
// Fast-phase removal follows the Raymond-lab method (Stanford, public analysis code): smooth-differentiate
// position, subtract the fitted slow-phase velocity, flag large residual velocity, pad around each flag.
import { z } from "zod";

export const AnalysisSettings = z.strictObject({
  /** Eye speed above which a sample belongs to a fast phase, °/s, measured relative to the cycle's fitted
   *  sinusoidal slow-phase velocity (so a fast stimulus is not mistaken for saccades). Mouse fast phases
   *  (1–6°, 20–40 ms) peak at 60–400 °/s; tracker noise after smoothing stays below ~6 °/s at 60–1000 Hz. */
  saccadeThresholdDegS: z.number().positive().default(25),
  /** The threshold rises to this many robust SDs (1.4826 × median absolute deviation) of the cycle's
   *  residual velocity, so that a noisy tracker's velocity noise is not taken for fast phases. */
  noiseThresholdFactor: z.number().positive().default(3.5),
  /** Samples removed before / after each fast-phase or blink sample, s. */
  padBeforeS: z.number().nonnegative().default(0.05),
  padAfterS: z.number().nonnegative().default(0.05),
  /** Span of the least-squares slope used as eye velocity, s: a smoothing differentiator whose noise gain,
   *  √(12 / (f_s·W³)) (°/s per ° of tracker noise), falls as the sampling rate f_s rises. Widened to at least
   *  one sample either side, so at 60 Hz the slope spans 3 samples. */
  velocityWindowS: z.number().positive().default(0.025),
  /** Stretches of kept samples shorter than this are dropped, s. */
  minSegmentS: z.number().nonnegative().default(0.1),
  /** A cycle is good when at least this fraction of its samples survive removal… */
  minUsedFraction: z.number().min(0).max(1).default(0.5),
  /** …and its sinusoid fit explains at least this much variance. */
  minR2: z.number().min(0).max(1).default(0.5),
  /** A block is flagged "few-good-cycles" below this fraction of good cycles. */
  minGoodCycleFraction: z.number().min(0).max(1).default(0.5),
  /** A block is flagged "poor-fit" when the mean r² of its good cycles' sinusoid fits is below this. */
  minBlockR2: z.number().min(0).max(1).default(0.8),
  /** Slowest eye sampling accepted, Hz: below it a 20–40 ms fast phase can fall between two samples. */
  minSampleRateHz: z.number().positive().default(50),
  /** Fewest eye samples per stimulus cycle accepted (sets the rate needed for fast stimuli). */
  minSamplesPerCycle: z.number().int().positive().default(50),
});
export type AnalysisSettings = z.infer<typeof AnalysisSettings>;
export const DEFAULT_ANALYSIS: AnalysisSettings = AnalysisSettings.parse({});

/** Slowest eye sampling rate, Hz, that the analysis accepts for a stimulus of `frequencyHz`. */
export const requiredSampleRateHz = (frequencyHz: number, s: AnalysisSettings): number =>
  Math.max(s.minSampleRateHz, s.minSamplesPerCycle * frequencyHz);
