// Gain of a whole recorded trace, offline, through the live pipeline's own operators:
//   the stimulus epoch + the trace's samples → assembleCycles → analyzeCycle → collectBlocks.
import { map, tap } from "rxjs";
import { z } from "zod";
import {
  analyzeCycle,
  assembleCycles,
  type CycleResult,
  collectBlocks,
  type StimulusEpoch,
} from "../analysis/cycles.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { type AnalysisSettings, DEFAULT_ANALYSIS, requiredSampleRateHz } from "../analysis/settings.ts";
import { FileProblem } from "../config/json-file.ts";
import { medianIntervalMs, type Trace, traceSamples } from "../recording/trace-file.ts";

/** The stimulus of a trace: a sinusoid from phase 0 at `startS` (trace time); its positions may also be a column. */
export const TraceStimulus = z.strictObject({
  /** Hz. */
  frequencyHz: z.number().positive(),
  /** Degrees; with a stimulus column, used only for cycles where the column has too few positions to fit. */
  amplitudeDeg: z.number().positive(),
  /** Trace time of the stimulus's first cycle start, s. */
  startS: z.number().default(0),
  cyclesPerBlock: z.number().int().positive().default(10),
});
export type TraceStimulus = z.infer<typeof TraceStimulus>;

export interface TraceAnalysis {
  /** Median sampling rate of the eye trace, Hz. */
  rateHz: number;
  cycles: CycleResult[];
  /** Blocks of `cyclesPerBlock` cycles; times (t_s…) in s of trace time. */
  blocks: GainBlock[];
}

export function analyzeTrace(
  trace: Trace,
  stimulus: z.input<typeof TraceStimulus>,
  settings: AnalysisSettings = DEFAULT_ANALYSIS,
): TraceAnalysis {
  const stim = TraceStimulus.parse(stimulus);
  if (trace.tMs.length < 2)
    throw new FileProblem(trace.file, ["only one sample: gain needs whole stimulus cycles of eye samples"]);
  const intervalMs = medianIntervalMs(trace);
  const rateHz = 1000 / intervalMs;
  const needed = requiredSampleRateHz(stim.frequencyHz, settings);
  if (!(rateHz >= needed))
    throw new FileProblem(trace.file, [
      `${trace.format.columns.t}: sampled at ${rateHz.toPrecision(3)} Hz (median interval ` +
        `${intervalMs.toPrecision(3)} ms): too sparse for a ${stim.frequencyHz} Hz stimulus; gain estimation ` +
        `needs at least ${needed.toPrecision(3)} Hz (fast phases last 20–40 ms, and a cycle needs ` +
        `${settings.minSamplesPerCycle} samples)`,
    ]);
  const lastMs = trace.tMs[trace.tMs.length - 1] as number;
  const epoch: StimulusEpoch = {
    phase: "trace",
    startMs: stim.startS * 1000,
    // The last sample stands for one interval of recording.
    endMs: lastMs + intervalMs,
    frequencyHz: stim.frequencyHz,
    amplitudeDeg: stim.amplitudeDeg,
    cyclesPerBlock: stim.cyclesPerBlock,
  };
  const cycles: CycleResult[] = [];
  const blocks: GainBlock[] = [];
  traceSamples(trace, [epoch])
    .pipe(
      assembleCycles({ stimulusReports: trace.format.columns.stim !== undefined }),
      map(analyzeCycle(settings)),
      tap((c) => cycles.push(c)),
      collectBlocks(0, settings),
    )
    .subscribe((b) => blocks.push(b));
  return { rateHz, cycles, blocks };
}
