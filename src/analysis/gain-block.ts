// A block: consecutive stimulus cycles of one phase summarised by their mean gain. The analysis makes them
// (src/analysis/cycles.ts), gain.tsv stores one per row (src/recording/gain-table.ts), learning and the
// fitters read them.
import { z } from "zod";

const finiteOrNaN = z.union([z.number(), z.nan()]);

export const GainBlock = z.object({
  /** 0-based block index within the session. */
  block: z.number().int().nonnegative(),
  /** Protocol phase the block belongs to (e.g. "training", "test"). */
  phase: z.string().min(1),
  /** Block mid-time, s since training start. */
  t_s: z.number(),
  t_start_s: z.number(),
  t_end_s: z.number(),
  /** Mean gain of the block's good cycles (eye amplitude / stimulus amplitude); NaN if none were good. */
  gain: finiteOrNaN,
  /** Mean eye phase lag behind the stimulus, degrees (positive = eye lags). */
  phase_lag_deg: finiteOrNaN,
  /** Mean r² of the per-cycle sinusoid fits. */
  r2: finiteOrNaN,
  cycles_used: z.number().int().nonnegative(),
  cycles_total: z.number().int().nonnegative(),
  /** "ok", or comma-separated flags such as "few-good-cycles", "poor-fit". */
  quality: z.string().min(1),
});
export type GainBlock = z.infer<typeof GainBlock>;
