// Gain accuracy on synthetic traces with a known, changing gain — fast phases, blinks, drift, tracker noise
// and timestamp jitter — at the sampling rates of real eye trackers, through the whole offline pipeline
// (assembleCycles → analyzeCycle → collectBlocks). Target: |error| ≤ 0.01 median, ≤ 0.03 worst block.
import { describe, expect, it } from "vitest";
import { analyzeTrace } from "../src/app/trace-analysis.ts";
import { TraceFormat } from "../src/recording/trace-file.ts";
import { syntheticTrace } from "./helpers/synthetic-trace.ts";

const F = 0.17;
const LAG_DEG = 8;
/** Tracker noise SD per rate, degrees: faster cameras have shorter exposures and noisier pupil centres. */
const NOISE_DEG: Record<number, number> = { 60: 0.05, 120: 0.08, 250: 0.1, 500: 0.2, 1000: 0.3 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

describe("gain accuracy on synthetic traces", () => {
  it.each([60, 120, 250, 500, 1000])("at %i Hz: median block error ≤ 0.01, worst ≤ 0.03", (rateHz) => {
    const gainErrors: number[] = [];
    const lagErrors: number[] = [];
    // Two animals per rate: one trace with a stimulus-position column, one with the stimulus as parameters.
    for (const withColumn of [true, false]) {
      const trace = syntheticTrace({
        rateHz,
        durationS: 100 / F + 2,
        seed: rateHz + (withColumn ? 1 : 2),
        frequencyHz: F,
        stimStartS: 2,
        gain: withColumn ? [0.35, 0.75] : [0.8, 0.5],
        lagDeg: LAG_DEG,
        noiseDeg: NOISE_DEG[rateHz],
      });
      const result = analyzeTrace(
        {
          file: "synthetic",
          format: TraceFormat.parse({}),
          tMs: trace.t.map((s) => s * 1000),
          xDeg: trace.x,
          stimDeg: withColumn ? trace.stim : null,
        },
        { frequencyHz: F, amplitudeDeg: 10, startS: 2, cyclesPerBlock: 10 },
      );
      expect(result.blocks.length).toBeGreaterThanOrEqual(9);
      for (const b of result.blocks) {
        expect(b.quality, `block ${b.block}`).toBe("ok");
        // The true gain is linear in time, so its mean over a block is its value at the block's middle.
        gainErrors.push(Math.abs(b.gain - trace.gainAt(b.t_s)));
        lagErrors.push(Math.abs(b.phase_lag_deg - LAG_DEG));
      }
    }
    expect(median(gainErrors)).toBeLessThanOrEqual(0.01);
    expect(Math.max(...gainErrors)).toBeLessThanOrEqual(0.03);
    expect(median(lagErrors)).toBeLessThanOrEqual(0.5);
  });
});
