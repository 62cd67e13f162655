// The protocol's timeline as timed events, played on the session clock.
import { Observable, type SchedulerLike } from "rxjs";
import { onMicrosecondGrid } from "../core/samples.ts";
import type { Timeline, TimelineLight, TimelinePhase } from "../protocol/timeline.ts";

export type TimelineEvent =
  | { kind: "light-off"; tMs: number; light: TimelineLight }
  | { kind: "phase-start"; tMs: number; phase: TimelinePhase }
  /** Sent `LIGHT_LEAD_MS` ahead of the window's start `atMs`, which the light source times on its own clock. */
  | { kind: "light-start"; tMs: number; atMs: number; light: TimelineLight }
  | { kind: "session-end"; tMs: number };

// At equal times: lights go off before a phase changes, and on after it.
const ORDER: Record<TimelineEvent["kind"], number> = {
  "light-off": 0,
  "phase-start": 1,
  "light-start": 2,
  "session-end": 3,
};

/**
 * How long before its window a light pattern is commanded, ms. A device that times pulses itself (hokr-light,
 * the rig firmware) gets the start on its own clock, so the first edge does not wait for the command's bytes
 * to cross a serial line behind others (SINE, PWR and TRAIN take 6.3 ms on an Uno's 115200 baud UART).
 * Never earlier than the channel's previous window ends: the command switches the channel off. Continuous
 * light (`ON`) acts at once, so it is commanded at its window's start.
 */
export const LIGHT_LEAD_MS = 100;

/** When the session ends, ms on the 1 µs grid like every event (its `session-end`). */
export const sessionEndMs = (t: Timeline): number => onMicrosecondGrid(t.durationS * 1000);

/** Events on the 1 µs grid, so sums of phase durations in seconds do not leave 13.999999999999998 ms. */
export function timelineEvents(t: Timeline): TimelineEvent[] {
  const ms = (s: number) => onMicrosecondGrid(s * 1000);
  const previousEndS = (light: TimelineLight) =>
    Math.max(
      0,
      ...t.light.filter((o) => o.channel === light.channel && o.endS <= light.startS).map((o) => o.endS),
    );
  const events: TimelineEvent[] = [
    ...t.phases.map((phase) => ({ kind: "phase-start" as const, tMs: ms(phase.startS), phase })),
    ...t.light.flatMap((light) => [
      {
        kind: "light-start" as const,
        tMs:
          light.pattern.kind === "pulses"
            ? Math.max(ms(previousEndS(light)), ms(light.startS) - LIGHT_LEAD_MS)
            : ms(light.startS),
        atMs: ms(light.startS),
        light,
      },
      { kind: "light-off" as const, tMs: ms(light.endS), light },
    ]),
    { kind: "session-end", tMs: sessionEndMs(t) },
  ];
  return events.sort((a, b) => a.tMs - b.tMs || ORDER[a.kind] - ORDER[b.kind]);
}

/** Emits each event at its time on the scheduler (events due in the past at once), then completes. */
export function playTimeline(
  events: readonly TimelineEvent[],
  scheduler: SchedulerLike,
): Observable<TimelineEvent> {
  return new Observable<TimelineEvent>((out) => {
    let i = 0;
    return scheduler.schedule(
      function () {
        for (let e = events[i]; e !== undefined && e.tMs <= scheduler.now(); e = events[++i]) out.next(e);
        const next = events[i];
        if (next) this.schedule(undefined, next.tMs - scheduler.now());
        else out.complete();
      },
      Math.max(0, (events[0]?.tMs ?? 0) - scheduler.now()),
    );
  });
}
