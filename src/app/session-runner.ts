// Running one session from start to end: wires the engine to a rig and a recorder, drives the clock, and
// guarantees the ending: whatever happens (end of protocol, SIGINT, a thrown error), every light is
// commanded off and the recording is flushed and marked with how the session ended.
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from "node:timers/promises";
import { isMainThread } from "node:worker_threads";
import type { Rig } from "../../devices/rig.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { type LearningSummary, sessionLearning } from "../analysis/learning.ts";
import type { AnalysisSettings } from "../analysis/settings.ts";
import { RealClock, type SessionClock, scheduleTicks, VirtualClock } from "../core/clock.ts";
import { EXIT_CODES, isStopSignal, StoppedBeforeStart } from "../core/faults.ts";
import { type SessionEvent, type SessionSink, type SessionStatus, startSession } from "../engine/session.ts";
import { sessionEndMs, timelineEvents } from "../engine/timeline-events.ts";
import { sessionTimeline } from "../protocol/session-timeline.ts";
import type { Timeline } from "../protocol/timeline.ts";
import type { SessionMeta } from "../recording/session-folder.ts";
import { SessionRecorder } from "../recording/session-recorder.ts";

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
  /** Connects the rig; `signal` aborts when a stop is asked for meanwhile (close what was opened, then throw). */
  makeRig: (clock: SessionClock, signal: AbortSignal) => R | Promise<R>;
  /**
   * Virtual clock only: session time granted to connecting the rig before t = 0 (a simulated board needs
   * simulated time to boot and answer); the clock starts at −setupMs and runs while the rig connects.
   */
  setupMs?: number;
  /**
   * Virtual clock only: session ms per step between yields to the event loop (default 250). A device whose
   * bytes leave at arbitrary times (the emulated firmware) needs short steps: the host stamps a line with the
   * clock at the step's end, and the device-clock alignment rests on those stamps.
   */
  virtualStepMs?: number;
  /** Session folder and the metadata written into it (status is set here). */
  outDir: string;
  meta: Omit<SessionMeta, "status" | "clock">;
  /**
   * true: the folder only carries the session to its read-back and is removed straight after (a temporary
   * cohort's animal, read back for its gain table): its files are not forced to disk at the end, and its eye
   * and stimulus samples, analysed as ever, are not written — 40 MB of a 76-min animal that nothing would
   * read. Default false: a record survives a crash or power loss once closed.
   */
  scratch?: boolean;
  signal?: AbortSignal;
  /** A second stop was asked for: the ending still turns lights off and flushes, but waits less for devices. */
  hurry?: AbortSignal;
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
  /** The process exit code this ending calls for (src/core/faults.ts). */
  exitCode: number;
}

/**
 * Virtual clock: session ms advanced per step between yields to the event loop, where serial bytes move.
 * Steps also stop at every timeline event, so commands reach devices at the event's own session time.
 */
const VIRTUAL_STEP_MS = 250;

/** How long closing the rig may take before the session gives up on it (a dead port must not hang us). */
const CLOSE_TIMEOUT_MS = 3000;

/**
 * Waits for `work` on a virtual clock, which moves only when told: after a few event-loop turns in which the
 * work did not settle (it waits on a device, a board that is booting, a reply, a timeout), time runs 1 ms per
 * turn until it does. The emulated board runs only as time does, so closing it needs time too.
 */
async function letVirtualTimePass(clock: VirtualClock, work: Promise<unknown>): Promise<void> {
  let done = false;
  const settled = () => {
    done = true;
  };
  work.then(settled, settled);
  for (let turns = 0; !done; turns++) {
    await yieldToEventLoop();
    if (!done && turns >= 20) clock.advanceTo(clock.now() + 1);
  }
}

/**
 * Connects the rig. A virtual clock runs only while connecting needs simulated time (a booting board, a
 * handshake timeout); the real clock is restarted so that t = 0 is when the rig is ready, not when we began.
 */
async function connectWithin<R extends Rig>(
  clock: VirtualClock | RealClock,
  makeRig: (c: SessionClock, signal: AbortSignal) => R | Promise<R>,
  signal: AbortSignal,
): Promise<R> {
  const pending = Promise.resolve().then(() => makeRig(clock, signal));
  const settled = pending.then(
    () => {},
    () => {},
  );
  if (clock instanceof RealClock) {
    // A stop asked for while connecting ends the wait at once; the rig closes what it opened meanwhile.
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    await Promise.race([settled, stopped]);
  } else await letVirtualTimePass(clock, settled);
  if (signal.aborted) {
    // Whatever connected anyway is told lights off and closed; nothing is started. Wait (a bounded while) for
    // that, so the ALLOFF has left before the process exits.
    const cleanup = pending
      .then(
        (rig) => {
          rig.light.allOff();
          return rig.close();
        },
        () => {},
      )
      .finally(() => {
        if (clock instanceof RealClock) clock.stop();
      });
    await Promise.race([
      clock instanceof VirtualClock ? letVirtualTimePass(clock, cleanup) : cleanup,
      sleep(CLOSE_TIMEOUT_MS),
    ]);
    throw new StoppedBeforeStart(String(signal.reason));
  }
  const rig = await pending;
  if (clock instanceof RealClock) clock.restartAtZero();
  return rig;
}

export async function runSession<R extends Rig>(o: RunOptions<R>): Promise<RunOutcome<R>> {
  // One signal for every way a session can be cut short: the caller's (SIGINT) or a fault on the real clock.
  const stopper = new AbortController();
  // A stop asked for before we got here (while a page or dashboard was awaited) counts too: an aborted
  // signal never fires "abort" again.
  if (o.signal?.aborted) stopper.abort(o.signal.reason);
  else o.signal?.addEventListener("abort", () => stopper.abort(o.signal?.reason), { once: true });
  let failure: unknown;
  const clock =
    o.clock === "virtual"
      ? new VirtualClock(-(o.setupMs ?? 0))
      : new RealClock((e) => {
          failure = e;
          stopper.abort("fault");
        });
  const rig = await connectWithin(clock, o.makeRig, stopper.signal);
  const recorder = new SessionRecorder(
    o.outDir,
    { ...o.meta, status: "running", clock: o.clock },
    {
      scratch: o.scratch ?? false,
      // A thread for the sample files where it pays (sample-writer.ts): a virtual clock's session, as fast as
      // the computer goes, on the process's main thread (not a cohort's worker, whose cohort fills the cores).
      // On the real clock they cost the session's thread ~0.01%, and it never waits for a lower-priority thread.
      writerThread: o.clock === "virtual" && isMainThread,
    },
  );
  const events = timelineEvents(o.timeline);
  // The session ends at its end event's time (on the µs grid, like every event), not at durationS × 1000: the
  // virtual clock steps to the end and must reach the event there, or the session never ends.
  const durationMs = sessionEndMs(o.timeline);
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
  const session = startSession({
    timeline: o.timeline,
    rig,
    clock,
    analysis: o.analysis,
    sink,
    onError: (stage, e) => {
      const message = `${stage} failed: ${e instanceof Error ? e.message : String(e)}`;
      failure ??= new Error(message);
      // Straight to the recorder: the sink itself may be what failed.
      try {
        recorder.event({ type: "error", tMs: clock.now(), stage, message });
      } catch {
        // the recorder is broken too; the ending below still turns the lights off and reports the failure
      }
      stopper.abort("fault");
    },
  });
  // A device fault ends the session (lights off in session.stop), unless the rig is reconnecting the device
  // (fault policy "reconnect"): then the lights stay off until it is back.
  let fault: string | undefined;
  const faults = rig.faults$.subscribe((f) => {
    sink.event({
      type: "fault",
      tMs: clock.now(),
      device: f.device,
      message: f.message,
      ...(f.recoverable ? { recoverable: true } : {}),
    });
    if (f.recoverable) {
      session.suspendLights(`${f.device} reconnecting`);
      return;
    }
    fault ??= `${f.device}: ${f.message}`;
    stopper.abort("fault");
  });
  const recoveries = rig.recovered$.subscribe((device) => {
    sink.event({ type: "recovered", tMs: clock.now(), device });
    session.resumeLights();
  });
  const stops = events.map((e) => e.tMs);
  // Nothing switches on once a stop is asked for, even before the ending below gets to run.
  stopper.signal.addEventListener("abort", () => session.holdLights(), { once: true });

  // On the real clock nothing else may report for an hour (a rest has no blocks): progress once a second.
  const ticker = clock instanceof RealClock ? scheduleTicks(clock, 0, 1000, progress) : undefined;
  let status: SessionStatus = "complete";
  let reason = "protocol finished";
  try {
    const signal = stopper.signal;
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    let reached = false;
    session.reachedEnd.then(() => {
      reached = true;
    });
    if (clock instanceof VirtualClock) {
      const wallStart = performance.now();
      let nextStop = 0;
      while (!reached && !signal.aborted) {
        const stop = stops[nextStop] ?? durationMs;
        const target = Math.min(clock.now() + (o.virtualStepMs ?? VIRTUAL_STEP_MS), stop, durationMs);
        clock.advanceTo(target);
        if (target === stop) nextStop++;
        await yieldToEventLoop(); // lets serial bytes, SIGINT, flush timers and `reached` run
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
    if (fault !== undefined) throw new Error(`device fault: ${fault}`);
    if (reached) await rig.drain();
    if (signal.aborted) {
      // A signal interrupts; an error (e.g. one the CLI caught anywhere in the process) is a failure.
      if (signal.reason instanceof Error) throw signal.reason;
      status = "interrupted";
      reason = String(signal.reason ?? "aborted");
    }
  } catch (e) {
    status = "failed";
    reason = e instanceof Error ? e.message : String(e);
  } finally {
    ticker?.unsubscribe();
    await session.stop(status, reason);
    faults.unsubscribe();
    recoveries.unsubscribe();
    // rig.close() commands every light off first; a second stop only shortens the wait for the devices. The
    // timeout is cancelled once the rig has closed: a pending timer would keep the process alive for it.
    const hurried = new Promise<void>((resolve) => {
      if (o.hurry?.aborted) resolve();
      o.hurry?.addEventListener("abort", () => resolve(), { once: true });
    });
    const closeTimeout = new AbortController();
    const closed = rig.close();
    await Promise.race([
      clock instanceof VirtualClock ? letVirtualTimePass(clock, closed) : closed,
      sleep(CLOSE_TIMEOUT_MS, undefined, { signal: closeTimeout.signal }).catch(() => {}),
      hurried,
    ]);
    closeTimeout.abort();
    progress();
  }
  const exitCode =
    status === "complete"
      ? EXIT_CODES.complete
      : status === "interrupted"
        ? isStopSignal(reason)
          ? EXIT_CODES[reason]
          : EXIT_CODES.SIGINT
        : fault !== undefined
          ? EXIT_CODES.deviceFault
          : EXIT_CODES.failed;
  const summary = sessionLearning(recorder.blocks, sessionTimeline(o.timeline));
  recorder.finish(
    status,
    { reason, sessionS: clock.now() / 1000 },
    o.wallClock().toISOString(),
    { blocks: recorder.blocks.length, ...summary },
    rig.report(),
  );
  return { status, reason, dir: o.outDir, blocks: recorder.blocks, summary, rig, exitCode };
}
