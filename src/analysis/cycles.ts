// Streaming stages from samples to gain blocks, as small pure RxJS operators:
//   AnalysisInput (batches of eye and stimulus samples; stimulus epochs announced by their start)
//     → assembleCycles()  → one Cycle per complete stimulus cycle
//     → map(analyzeCycle) → CycleResult (gain, phase lag, fit quality)
//     → collectBlocks()   → GainBlock every `cyclesPerBlock` cycles of a phase
import { concatAll, concatWith, defer, filter, map, type OperatorFunction, of } from "rxjs";
import type { SampleBatch } from "../core/samples.ts";
import { type CycleGain, type CycleSamples, cycleGain } from "./cycle-fit.ts";
import type { GainBlock } from "./gain-block.ts";
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
  /** Eye samples (`deg`: horizontal eye position), in time order within the stream. */
  | { kind: "eye"; batch: SampleBatch }
  /** Stimulus position reports (`deg`: the pattern's position), in time order within the stream. */
  | { kind: "stim"; batch: SampleBatch }
  /** The stimulus stopped at `tMs`: its reports are complete up to there. */
  | { kind: "stim-stop"; tMs: number };

export interface Cycle extends CycleSamples {
  eyeT: Float64Array;
  eyeX: Float64Array;
  stimT: Float64Array;
  stimX: Float64Array;
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

/** The cycle of `epoch` that session time `tMs` falls in, from 0 (past its whole cycles: ≥ wholeCycles). */
const cycleIndex = (e: StimulusEpoch, tMs: number) => Math.floor(((tMs - e.startMs) / 1000) * e.frequencyHz);

/** A growable (time, value) column pair in typed arrays: a cycle's samples stay off the garbage-collected heap. */
class Columns {
  t: Float64Array;
  v: Float64Array;
  n = 0;
  constructor(capacity: number) {
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }
  push(t: number, v: number): void {
    if (this.n === this.t.length) {
      const t2 = new Float64Array(this.n * 2);
      const v2 = new Float64Array(this.n * 2);
      t2.set(this.t);
      v2.set(this.v);
      this.t = t2;
      this.v = v2;
    }
    this.t[this.n] = t;
    this.v[this.n++] = v;
  }
}

/**
 * Groups samples into stimulus cycles. Devices deliver their samples in batches, each on its own port, so
 * neither streams nor announcements arrive in time order with each other: an epoch may be announced before
 * samples earlier than its start, and a batch of eye samples may come before the stimulus samples of the same
 * moment. So a sample goes to the cycle its own time falls in, and a cycle is emitted — in order — only once
 * every stream has passed its end: the eye's latest sample is at or past it, and so is the stimulus's, or the
 * stimulus reported that it stopped after the cycle began (the stop comes after its last report, in order).
 * With `stimulusReports: false` (a trace without stimulus positions) only the eye counts. A cycle still open
 * when the next epoch starts is dropped; at the end of the stream the last cycle is kept if the eye reached
 * its end. The result does not depend on how the streams were interleaved.
 */
export function assembleCycles(
  o: { stimulusReports?: boolean } = {},
): OperatorFunction<AnalysisInput, Cycle> {
  const stimulusReports = o.stimulusReports ?? true;
  // The state lives in `defer`, one per subscription; every step is an RxJS operator, so an exception in any
  // of them reaches the subscriber's error path instead of being lost.
  return (source) =>
    defer(() => {
      const cycles = new CycleAssembler(stimulusReports);
      return source.pipe(
        map((input) => cycles.add(input)),
        concatWith(defer(() => of(cycles.finish()))),
        filter((done) => done.length > 0),
        concatAll(),
      );
    });
}

interface OpenCycle {
  epoch: StimulusEpoch;
  index: number;
  startMs: number;
  endMs: number;
  eye: Columns;
  stim: Columns;
}

/** The state of `assembleCycles`: `add` takes one input and returns the cycles it completed, in order. */
class CycleAssembler {
  private readonly epochs: StimulusEpoch[] = []; // by start time
  private readonly queue: OpenCycle[] = []; // cycles in time order, not yet emitted
  private newest: { epoch: StimulusEpoch; index: number } | undefined;
  private eyeMark = Number.NEGATIVE_INFINITY;
  private stimMark = Number.NEGATIVE_INFINITY;
  private stopMark = Number.NEGATIVE_INFINITY;
  // Each cycle's columns start at the size the previous one reached.
  private eyeSize = 64;
  private stimSize = 64;
  private static readonly NONE: readonly Cycle[] = [];

  constructor(private readonly stimulusReports: boolean) {}

  add(input: AnalysisInput): readonly Cycle[] {
    if (input.kind === "epoch") {
      const at = this.epochs.findIndex((e) => e.startMs > input.epoch.startMs);
      this.epochs.splice(at < 0 ? this.epochs.length : at, 0, input.epoch);
      return CycleAssembler.NONE;
    }
    if (input.kind === "stim-stop") {
      this.stopMark = Math.max(this.stopMark, input.tMs);
      return this.release();
    }
    // Sample by sample, each releasing what it completes: a batch gives what its samples one at a time would.
    // After a sample, the run of samples after it that fall where it fell — in the same cycle, which it left
    // incomplete, or past every epoch's cycles (a rest) — is taken in one loop: each of them would go where
    // the first went, and none would complete a cycle (one before the run's cycle was decided by the run's
    // first sample, the run's own cycle waits for a sample at its end), so one release after the run gives
    // what a release after each sample would.
    const { batch } = input;
    const eye = input.kind === "eye";
    const t = batch.tMs;
    const deg = batch.deg;
    let done: Cycle[] | undefined;
    for (let i = 0; i < batch.length; ) {
      const tMs = t[i] as number;
      const e = this.epochAt(tMs);
      const c = this.cycleAt(tMs, e);
      const columns = c === null ? null : eye ? c.eye : c.stim;
      if (columns !== null) columns.push((tMs - (c as OpenCycle).startMs) / 1000, deg[i] as number);
      let mark = Math.max(eye ? this.eyeMark : this.stimMark, tMs);
      if (eye) this.eyeMark = mark;
      else this.stimMark = mark;
      i++;
      const epoch = e < 0 ? undefined : (this.epochs[e] as StimulusEpoch);
      const nextStartMs = this.epochs[e + 1]?.startMs ?? Number.POSITIVE_INFINITY;
      if (c !== null && columns !== null && epoch !== undefined && !this.complete(c)) {
        for (; i < batch.length; i++) {
          const tj = t[i] as number;
          if (!(tj >= epoch.startMs && tj < nextStartMs && cycleIndex(epoch, tj) === c.index)) break;
          columns.push((tj - c.startMs) / 1000, deg[i] as number);
          mark = Math.max(mark, tj);
        }
      } else if (c === null && (epoch === undefined || cycleIndex(epoch, tMs) >= wholeCycles(epoch))) {
        const whole = epoch === undefined ? 0 : wholeCycles(epoch);
        for (; i < batch.length; i++) {
          const tj = t[i] as number;
          if (
            !(
              tj < nextStartMs &&
              (epoch === undefined || (tj >= epoch.startMs && cycleIndex(epoch, tj) >= whole))
            )
          )
            break;
          mark = Math.max(mark, tj);
        }
      }
      if (eye) this.eyeMark = mark;
      else this.stimMark = mark;
      const released = this.release();
      if (released.length > 0) done = done ? done.concat(released) : [...released];
    }
    return done ?? CycleAssembler.NONE;
  }

  /** The session's last cycles end with the session: those whose eye samples reached their end. */
  finish(): Cycle[] {
    return this.queue.filter((c) => this.eyeMark >= c.endMs - 20).map((c) => this.emit(c));
  }

  private open(epoch: StimulusEpoch, index: number): OpenCycle {
    const periodMs = 1000 / epoch.frequencyHz;
    const startMs = epoch.startMs + index * periodMs;
    return {
      epoch,
      index,
      startMs,
      endMs: startMs + periodMs,
      eye: new Columns(this.eyeSize),
      stim: new Columns(this.stimSize),
    };
  }

  private emit(c: OpenCycle): Cycle {
    this.eyeSize = Math.max(64, c.eye.n + (c.eye.n >> 4));
    this.stimSize = Math.max(64, c.stim.n + (c.stim.n >> 4));
    return {
      epoch: c.epoch,
      index: c.index,
      startMs: c.startMs,
      endMs: c.endMs,
      frequencyHz: c.epoch.frequencyHz,
      commandedAmplitudeDeg: c.epoch.amplitudeDeg,
      eyeT: c.eye.t.subarray(0, c.eye.n),
      eyeX: c.eye.v.subarray(0, c.eye.n),
      stimT: c.stim.t.subarray(0, c.stim.n),
      stimX: c.stim.v.subarray(0, c.stim.n),
    };
  }

  private complete(c: OpenCycle): boolean {
    return (
      this.eyeMark >= c.endMs &&
      (!this.stimulusReports || this.stimMark >= c.endMs || this.stopMark >= c.startMs)
    );
  }

  private release(): readonly Cycle[] {
    const head = this.queue[0];
    if (head === undefined || !this.complete(head)) return CycleAssembler.NONE;
    const done: Cycle[] = [];
    while (this.queue.length > 0 && this.complete(this.queue[0] as OpenCycle))
      done.push(this.emit(this.queue.shift() as OpenCycle));
    return done;
  }

  /** The index in `epochs` of the last epoch started by `tMs` (−1: none yet). */
  private epochAt(tMs: number): number {
    let at = -1;
    while (at + 1 < this.epochs.length && (this.epochs[at + 1] as StimulusEpoch).startMs <= tMs) at++;
    return at;
  }

  /**
   * The cycle a time falls in, created (with any before it in its epoch) if need be; null if none. `at`: the
   * time's epoch, `epochAt(tMs)`.
   */
  private cycleAt(tMs: number, at: number): OpenCycle | null {
    if (at < 0) return null;
    const epoch = this.epochs[at] as StimulusEpoch;
    const index = cycleIndex(epoch, tMs);
    if (index >= wholeCycles(epoch)) return null;
    const queue = this.queue;
    const last = queue.at(-1);
    // The newest cycle ever opened, queued or already emitted: a sample before it never opens cycles again
    // (an emptied queue must not let a late sample reopen its epoch from cycle 0).
    const newest = this.newest;
    if (
      newest &&
      (newest.epoch.startMs > epoch.startMs || (newest.epoch === epoch && newest.index >= index))
    ) {
      // An earlier cycle: still queued, or already emitted (then the sample is too late to use).
      // A loop, not queue.find: a closure made for every sample of a stimulus is garbage.
      for (const c of queue) if (c.epoch === epoch && c.index === index) return c;
      return null;
    }
    if (last && last.epoch !== epoch) {
      // A new epoch: cycles of the old one that its start cut short can never finish.
      for (let i = queue.length - 1; i >= 0; i--)
        if ((queue[i] as OpenCycle).endMs > epoch.startMs) queue.splice(i, 1);
    }
    for (let k = newest?.epoch === epoch ? newest.index + 1 : 0; k <= index; k++)
      queue.push(this.open(epoch, k));
    const opened = queue.at(-1) as OpenCycle;
    this.newest = { epoch, index: opened.index };
    return opened;
  }
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
  if (good.length > 0 && r2 < settings.minBlockR2) flags.push("poor-fit");
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
    defer(() => {
      let pending: CycleResult[] = [];
      let block = 0;
      return source.pipe(
        map((c): GainBlock | null => {
          if (pending.length > 0 && pending[0]?.epoch !== c.epoch) pending = [];
          pending.push(c);
          if (pending.length < c.epoch.cyclesPerBlock) return null;
          const done = summarizeBlock(pending, block++, trainingStartMs, settings);
          pending = [];
          return done;
        }),
        filter((b): b is GainBlock => b !== null),
      );
    });
}
