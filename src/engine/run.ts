// Running one session from start to end: wires the engine to a rig and a recorder, drives the clock, and
// guarantees the ending: whatever happens (end of protocol, SIGINT, a thrown error), every light is
// commanded off and the recording is flushed and marked with how the session ended.
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Rig } from "../../devices/rig.ts";
import { type LearningSummary, learningSummary } from "../analysis/learning.ts";
import type { AnalysisSettings } from "../analysis/settings.ts";
import type { Timeline } from "../protocol/timeline.ts";
import type { GainBlock } from "../recording/gain-table.ts";
import type { SessionMeta } from "../recording/session-folder.ts";
import { SessionRecorder } from "../recording/session-recorder.ts";
import { RealClock, type SessionClock, VirtualClock } from "./clock.ts";
import { type SessionEvent, type SessionSink, type SessionStatus, startSession } from "./session.ts";

export interface Progress {
  tMs: number;
  durationMs: number;
  phase: string;
  lastGain: number | null;
}

export interface RunOptions<R extends Rig> {
  timeline: Timeline;
  analysis: AnalysisSettings;
  /** "virtual" runs as fast as the CPU allows (or `speed`× real time); "real" is the rig's monotonic clock. */
  clock: "virtual" | "real";
  /** Virtual clock only: session seconds per wall second; undefined = as fast as possible. */
  speed?: number;
  makeRig: (clock: SessionClock) => R;
  /** Session folder and the metadata written into it (status is set here). */
  outDir: string;
  meta: Omit<SessionMeta, "status" | "clock">;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Wall-clock time stamp for session.json; the engine itself never reads the wall clock. */
  wallClock: () => Date;
  /** Extra observers of the session's data (tests, live displays). */
  tap?: Partial<SessionSink>;
}

export interface RunOutcome<R extends Rig> {
  status: SessionStatus;
  reason: string;
  dir: string;
  blocks: GainBlock[];
  summary: LearningSummary;
  rig: R;
}

/** Session seconds advanced per step of the virtual clock between yields to the event loop. */
const VIRTUAL_STEP_MS = 1000;

export async function runSession<R extends Rig>(o: RunOptions<R>): Promise<RunOutcome<R>> {
  // One signal for every way a session can be cut short: the caller's (SIGINT) or a fault on the real clock.
  const stopper = new AbortController();
  o.signal?.addEventListener("abort", () => stopper.abort(o.signal?.reason), { once: true });
  let failure: unknown;
  const clock =
    o.clock === "virtual"
      ? new VirtualClock()
      : new RealClock((e) => {
          failure = e;
          stopper.abort("fault");
        });
  const rig = o.makeRig(clock);
  const recorder = new SessionRecorder(o.outDir, { ...o.meta, status: "running", clock: o.clock });
  const durationMs = o.timeline.durationS * 1000;
  let phase = o.timeline.phases[0]?.name ?? "";
  let lastGain: number | null = null;
  const progress = () =>
    o.onProgress?.({ tMs: Math.min(clock.now(), durationMs), durationMs, phase, lastGain });
  const sink: SessionSink = {
    event: (e: SessionEvent) => {
      if (e.type === "phase") phase = e.name;
      recorder.event(e);
      o.tap?.event?.(e);
    },
    eye: (s) => {
      recorder.eye(s);
      o.tap?.eye?.(s);
    },
    stimulus: (s) => {
      recorder.stimulus(s);
      o.tap?.stimulus?.(s);
    },
    block: (b) => {
      lastGain = Number.isFinite(b.gain) ? b.gain : lastGain;
      recorder.block(b);
      o.tap?.block?.(b);
      progress();
    },
  };
  const session = startSession({ timeline: o.timeline, rig, clock, analysis: o.analysis, sink });

  let status: SessionStatus = "complete";
  let reason = "protocol finished";
  try {
    const signal = stopper.signal;
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    if (clock instanceof VirtualClock) {
      let reached = false;
      session.reachedEnd.then(() => {
        reached = true;
      });
      const wallStart = performance.now();
      while (!reached && !signal.aborted) {
        clock.advanceTo(Math.min(clock.now() + VIRTUAL_STEP_MS, durationMs));
        await yieldToEventLoop(); // lets SIGINT, flush timers and `reached` run
        progress();
        if (o.speed !== undefined) {
          const aheadMs = clock.now() / o.speed - (performance.now() - wallStart);
          if (aheadMs > 0) await sleep(aheadMs);
        }
      }
    } else {
      await Promise.race([session.reachedEnd, aborted]);
      (clock as RealClock).stop();
    }
    if (failure !== undefined) throw failure;
    if (signal.aborted) {
      status = "interrupted";
      reason = String(signal.reason ?? "aborted");
    }
  } catch (e) {
    status = "failed";
    reason = e instanceof Error ? e.message : String(e);
  } finally {
    session.stop(status, reason);
    await rig.close();
    progress();
  }
  const summary = learningSummary(recorder.blocks);
  recorder.finish(status, { reason, sessionS: clock.now() / 1000 }, o.wallClock().toISOString(), {
    blocks: recorder.blocks.length,
    ...summary,
  });
  return { status, reason, dir: o.outDir, blocks: recorder.blocks, summary, rig };
}
