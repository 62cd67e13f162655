// Streaming stages from samples to gain blocks, as small pure RxJS operators:
//   AnalysisInput (stimulus epochs + eye and stimulus samples, in time order)
//     → assembleCycles()  → one Cycle per complete stimulus cycle
//     → map(analyzeCycle) → CycleResult (gain, phase lag, fit quality)
//     → collectBlocks()   → GainBlock every `cyclesPerBlock` cycles of a phase
import { Observable, type OperatorFunction } from "rxjs";
import type { EyeSample, StimulusSample } from "../../devices/rig.ts";
import type { GainBlock } from "../recording/gain-table.ts";
import { type CycleGain, type CycleSamples, cycleGain } from "./cycle-fit.ts";
import type { AnalysisSettings } from "./settings.ts";

/** A stretch of session time with the stimulus oscillating from phase 0 at `startMs`. */
export interface StimulusEpoch {
  phase: string;
  startMs: number;
  endMs: number;
  frequencyHz: number;
  amplitudeDeg: number;
  cyclesPerBlock: number;
}

export type AnalysisInput =
  | { kind: "epoch"; epoch: StimulusEpoch }
  | { kind: "eye"; sample: EyeSample }
  | { kind: "stim"; sample: StimulusSample };

export interface Cycle extends CycleSamples {
  eyeT: number[];
  eyeX: number[];
  stimT: number[];
  stimX: number[];
  epoch: StimulusEpoch;
  /** Cycle number within the epoch, from 0. */
  index: number;
  startMs: number;
  endMs: number;
}

export interface CycleResult extends CycleGain {
  epoch: StimulusEpoch;
  index: number;
  startMs: number;
  endMs: number;
}

/** Number of whole cycles that fit in an epoch (the tolerance absorbs float error, e.g. 153 / 0.17 Hz). */
export const wholeCycles = (e: StimulusEpoch) =>
  Math.floor(((e.endMs - e.startMs) / 1000) * e.frequencyHz + 1e-6);

/** Groups samples into stimulus cycles; a cycle is emitted once a sample at or past its end arrives. */
export function assembleCycles(): OperatorFunction<AnalysisInput, Cycle> {
  return (source) =>
    new Observable<Cycle>((out) => {
      let cycle: Cycle | null = null;
      let lastMs = Number.NEGATIVE_INFINITY;
      const open = (epoch: StimulusEpoch, index: number): Cycle | null => {
        if (index >= wholeCycles(epoch)) return null;
        const periodMs = 1000 / epoch.frequencyHz;
        const startMs = epoch.startMs + index * periodMs;
        return {
          epoch,
          index,
          startMs,
          endMs: startMs + periodMs,
          frequencyHz: epoch.frequencyHz,
          commandedAmplitudeDeg: epoch.amplitudeDeg,
          eyeT: [],
          eyeX: [],
          stimT: [],
          stimX: [],
        };
      };
      return source.subscribe({
        next(input) {
          if (input.kind === "epoch") {
            cycle = open(input.epoch, 0);
            return;
          }
          const tMs = input.sample.tMs;
          lastMs = tMs;
          while (cycle && tMs >= cycle.endMs) {
            out.next(cycle);
            cycle = open(cycle.epoch, cycle.index + 1);
          }
          if (!cycle || tMs < cycle.startMs) return;
          const tS = (tMs - cycle.startMs) / 1000;
          if (input.kind === "eye") {
            cycle.eyeT.push(tS);
            cycle.eyeX.push(input.sample.xDeg);
          } else {
            cycle.stimT.push(tS);
            cycle.stimX.push(input.sample.positionDeg);
          }
        },
        error: (e) => out.error(e),
        complete() {
          // The session's very last cycle ends with the session: emit it if the samples reached its end.
          const c = cycle as Cycle | null;
          if (c && lastMs >= c.endMs - 20) out.next(c);
          out.complete();
        },
      });
    });
}

export const analyzeCycle =
  (settings: AnalysisSettings) =>
  (c: Cycle): CycleResult => ({
    ...cycleGain(c, settings),
    epoch: c.epoch,
    index: c.index,
    startMs: c.startMs,
    endMs: c.endMs,
  });

const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Summarises one block: means over its good cycles, with quality flags instead of silent numbers. */
export function summarizeBlock(
  cycles: CycleResult[],
  block: number,
  trainingStartMs: number,
  settings: AnalysisSettings,
): GainBlock {
  const first = cycles[0] as CycleResult;
  const last = cycles.at(-1) as CycleResult;
  const good = cycles.filter((c) => c.good);
  const flags: string[] = [];
  if (good.length < settings.minGoodCycleFraction * first.epoch.cyclesPerBlock) flags.push("few-good-cycles");
  const r2 = mean(good.map((c) => c.r2));
  if (good.length > 0 && r2 < 0.8) flags.push("poor-fit");
  const rel = (ms: number) => (ms - trainingStartMs) / 1000;
  return {
    block,
    phase: first.epoch.phase,
    t_s: rel((first.startMs + last.endMs) / 2),
    t_start_s: rel(first.startMs),
    t_end_s: rel(last.endMs),
    gain: mean(good.map((c) => c.gain)),
    phase_lag_deg: mean(good.map((c) => c.phaseLagDeg)),
    r2,
    cycles_used: good.length,
    cycles_total: cycles.length,
    quality: flags.length > 0 ? flags.join(",") : "ok",
  };
}

/**
 * Collects consecutive cycles of one epoch into blocks of `cyclesPerBlock`. Cycles left over at the end of an
 * epoch (fewer than a block) are not reported as a block.
 */
export function collectBlocks(
  trainingStartMs: number,
  settings: AnalysisSettings,
): OperatorFunction<CycleResult, GainBlock> {
  return (source) =>
    new Observable<GainBlock>((out) => {
      let pending: CycleResult[] = [];
      let block = 0;
      return source.subscribe({
        next(c) {
          if (pending.length > 0 && pending[0]?.epoch !== c.epoch) pending = [];
          pending.push(c);
          if (pending.length === c.epoch.cyclesPerBlock) {
            out.next(summarizeBlock(pending, block++, trainingStartMs, settings));
            pending = [];
          }
        },
        error: (e) => out.error(e),
        complete: () => out.complete(),
      });
    });
}
