// The session engine: plays a protocol's timeline on the session clock, commands the rig, and turns the eye
// and stimulus streams into gain blocks. Device commands and recording are the only side effects, and both
// sit at the edges: in `applyToRig` and in the sink.
import { from, map, merge, Subject, type Subscription, share, takeUntil, tap } from "rxjs";
import type { DeviceNote, Rig } from "../../devices/rig.ts";
import { type AnalysisInput, analyzeCycle, assembleCycles, collectBlocks } from "../analysis/cycles.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import type { AnalysisSettings } from "../analysis/settings.ts";
import type { SessionClock } from "../core/clock.ts";
import { type LightEdge, onMicrosecondGrid, type SampleBatch } from "../core/samples.ts";
import type { LightPattern, StimulusSettings } from "../protocol/schema.ts";
import type { Timeline } from "../protocol/timeline.ts";
import { playTimeline, type TimelineEvent, timelineEvents } from "./timeline-events.ts";

/** Low-rate events, all stamped with session time (ms). They form the session's event log. */
export type SessionEvent =
  | { type: "phase"; tMs: number; name: string; index: number; stimulus: StimulusSettings | null }
  | { type: "stimulus"; tMs: number; action: "start" | "stop"; settings?: StimulusSettings }
  | {
      type: "light-command";
      tMs: number;
      channel: string;
      action: "start";
      /** Session time the pattern starts, ms (the command goes out ahead of it). */
      startMs: number;
      powerMw: number;
      pattern: LightPattern;
      schedule: number;
    }
  | { type: "light-command"; tMs: number; channel: string; action: "off"; schedule: number | null }
  | ({ type: "light-edge" } & LightEdge)
  /** What a device said besides data, or a line the host rejected (DeviceNote). */
  | ({ type: "device" } & DeviceNote)
  | { type: "block"; tMs: number; block: GainBlock }
  | { type: "lights-off"; tMs: number; reason: string }
  | { type: "fault"; tMs: number; device: string; message: string; recoverable?: boolean }
  | { type: "recovered"; tMs: number; device: string }
  /** A stage of the session threw: the session ends as failed. */
  | { type: "error"; tMs: number; stage: string; message: string }
  | { type: "session-end"; tMs: number; status: SessionStatus; reason: string };

export type SessionStatus = "complete" | "interrupted" | "failed";

/** Where a session's data goes (the recorder, a progress display, a test). */
export interface SessionSink {
  event(e: SessionEvent): void;
  /** Eye samples, a batch at a time as the tracker delivered them. */
  eye(b: SampleBatch): void;
  /** Stimulus position reports, a batch at a time. */
  stimulus(b: SampleBatch): void;
  block(b: GainBlock): void;
}

export interface SessionHandle {
  /** Resolves when the timeline reaches its end. */
  readonly reachedEnd: Promise<void>;
  /**
   * Stops everything: every light off, stimulus stopped; waits for the devices to report it (the off edges
   * land in the log), then closes the streams and writes the end event.
   */
  stop(status: SessionStatus, reason: string): Promise<void>;
  /** Every light off until resumeLights (a device is being reconnected); light commands are held back. */
  suspendLights(reason: string): void;
  /** Lights back on the schedule: every light window open now is started again (its pulses from now). */
  resumeLights(): void;
  /** A stop was asked for: from now on no light is switched on, whatever the timeline says. */
  holdLights(): void;
}

/** Stimulus epochs for the analysis: one per phase with the stimulus on. */
export const epochsOf = (e: TimelineEvent): AnalysisInput[] =>
  e.kind === "phase-start" && e.phase.stimulus
    ? [
        {
          kind: "epoch",
          epoch: {
            phase: e.phase.name,
            startMs: e.tMs,
            endMs: onMicrosecondGrid(e.phase.endS * 1000),
            frequencyHz: e.phase.stimulus.frequencyHz,
            amplitudeDeg: e.phase.stimulus.amplitudeDeg,
            cyclesPerBlock: e.phase.cyclesPerBlock,
          },
        },
      ]
    : [];

export function startSession(o: {
  timeline: Timeline;
  rig: Rig;
  clock: SessionClock;
  analysis: AnalysisSettings;
  sink: SessionSink;
  /** A stage failed (`stage` names it): the caller ends the session as failed (lights off, flushed). */
  onError: (stage: string, error: unknown) => void;
}): SessionHandle {
  const { rig, clock, sink } = o;
  const now = () => clock.now();
  const ended = new Subject<void>();
  const events = timelineEvents(o.timeline);
  const timeline$ = playTimeline(events, clock).pipe(share());
  const eye$ = rig.eyeTracker.samples$.pipe(takeUntil(ended), share());
  const stim$ = rig.stimulus.samples$.pipe(takeUntil(ended), share());
  let reached: () => void = () => {};
  const reachedEnd = new Promise<void>((resolve) => {
    reached = resolve;
  });

  let stopped = false;
  let suspended = false;
  let held = false;
  /** Stretches with a device's data missing (suspended for a reconnect), session ms. */
  const gaps: { fromMs: number; toMs?: number }[] = [];

  const applyToRig = (e: TimelineEvent): void => {
    if (e.kind === "phase-start") {
      const { name, index, stimulus } = e.phase;
      sink.event({ type: "phase", tMs: now(), name, index, stimulus });
      if (stimulus) rig.stimulus.start(stimulus);
      else rig.stimulus.stop();
      sink.event(
        stimulus
          ? { type: "stimulus", tMs: now(), action: "start", settings: stimulus }
          : { type: "stimulus", tMs: now(), action: "stop" },
      );
    } else if (e.kind === "light-start") {
      const l = e.light;
      if (suspended || held) return;
      sink.event({
        type: "light-command",
        tMs: now(),
        channel: l.channel,
        action: "start",
        startMs: e.atMs,
        powerMw: l.powerMw,
        pattern: l.pattern,
        schedule: l.index,
      });
      rig.light.start(l.channel, l.powerMw, l.pattern, e.atMs);
    } else if (e.kind === "light-off") {
      if (suspended) return;
      sink.event({
        type: "light-command",
        tMs: now(),
        channel: e.light.channel,
        action: "off",
        schedule: e.light.index,
      });
      rig.light.off(e.light.channel);
    } else {
      reached();
    }
  };

  // Every stage is an RxJS operator and every subscription has an error path: an exception anywhere (a
  // device stream, an analysis stage, the sink) ends the session as failed through `onError`, never silently.
  const failed = (stage: string) => (e: unknown) => o.onError(stage, e);
  const subscriptions: Subscription[] = [
    rig.light.edges$
      .pipe(tap((edge) => sink.event({ type: "light-edge", ...edge })))
      .subscribe({ error: failed("light edges") }),
    eye$.pipe(tap((s) => sink.eye(s))).subscribe({ error: failed("eye samples") }),
    stim$.pipe(tap((s) => sink.stimulus(s))).subscribe({ error: failed("stimulus samples") }),
    merge(
      // Every epoch is known from the start: announcing them all at once means no sample is early for its epoch.
      from(events.flatMap(epochsOf)),
      eye$.pipe(map((batch): AnalysisInput => ({ kind: "eye", batch }))),
      stim$.pipe(map((batch): AnalysisInput => ({ kind: "stim", batch }))),
      rig.stimulus.stopped$.pipe(map((tMs): AnalysisInput => ({ kind: "stim-stop", tMs }))),
    )
      .pipe(
        takeUntil(ended),
        assembleCycles(),
        map(analyzeCycle(o.analysis)),
        collectBlocks(o.timeline.trainingStartS * 1000, o.analysis),
        map((block) => {
          // A block whose cycles span a gap in a device's data (a reconnect) is not `ok`, whatever its fit says.
          const startMs = block.t_start_s * 1000 + o.timeline.trainingStartS * 1000;
          const endMs = block.t_end_s * 1000 + o.timeline.trainingStartS * 1000;
          if (!gaps.some((g) => g.fromMs < endMs && (g.toMs ?? Number.POSITIVE_INFINITY) > startMs))
            return block;
          return { ...block, quality: block.quality === "ok" ? "gap" : `${block.quality},gap` };
        }),
        tap((block) => {
          sink.block(block);
          sink.event({ type: "block", tMs: now(), block });
        }),
      )
      .subscribe({ error: failed("gain analysis") }),
    timeline$.pipe(tap(applyToRig)).subscribe({ error: failed("timeline") }),
  ];
  if (rig.notes$)
    subscriptions.push(
      rig.notes$
        .pipe(tap((n) => sink.event({ ...n, type: "device" })))
        .subscribe({ error: failed("device notes") }),
    );

  return {
    holdLights() {
      held = true;
    },
    suspendLights(reason) {
      if (!suspended) gaps.push({ fromMs: now() });
      suspended = true;
      rig.light.allOff();
      sink.event({ type: "lights-off", tMs: now(), reason });
    },
    resumeLights() {
      if (!suspended || stopped) return;
      suspended = false;
      const gap = gaps.at(-1);
      if (gap) gap.toMs = now();
      // Windows whose start was due (commanded ahead or open): a start already past plays from now.
      for (const e of events)
        if (e.kind === "light-start" && e.tMs <= now() && now() < e.light.endS * 1000) applyToRig(e);
    },
    reachedEnd,
    async stop(status, reason) {
      if (stopped) return;
      stopped = true;
      held = true;
      // Light safety first: off before anything else can fail.
      rig.light.allOff();
      sink.event({ type: "lights-off", tMs: now(), reason });
      rig.stimulus.stop();
      await rig.drain();
      // Completing the streams lets the analysis emit a last cycle that ended with the session.
      ended.next();
      for (const s of subscriptions) s.unsubscribe();
      sink.event({ type: "session-end", tMs: now(), status, reason });
    },
  };
}
