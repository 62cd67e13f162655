// What the dashboard page receives: the session's description once (and again when its status changes), then
// a small update every poll — the last 10 s of eye and stimulus decimated here on the server, and only the
// cycles, blocks, light edges and faults that are new to that page.
import { type SessionFollower, WINDOW_S } from "./follow.ts";
import type { LiveMessage, SessionMessage } from "./messages.ts";

/** Points per trace sent to the page (10 s of 200 Hz eye samples is 2000). */
export const TRACE_POINTS = 500;

/** Bins samples onto a grid over the last window: the mean of each bin (NaN samples skipped). */
export function decimate(
  t: readonly number[],
  v: readonly number[],
  fromMs: number,
  toMs: number,
  bins: number,
) {
  const sum = new Float64Array(bins);
  const n = new Uint32Array(bins);
  const width = (toMs - fromMs) / bins;
  for (let i = 0; i < t.length; i++) {
    const b = Math.floor(((t[i] as number) - fromMs) / width);
    const x = v[i] as number;
    if (b < 0 || b >= bins || Number.isNaN(x)) continue;
    sum[b] = (sum[b] as number) + x;
    n[b] = (n[b] as number) + 1;
  }
  return Array.from(sum, (s, b) => ((n[b] as number) > 0 ? s / (n[b] as number) : null));
}

export function sessionMessage(f: SessionFollower): SessionMessage | undefined {
  const m = f.meta;
  const tl = f.timeline;
  if (!m || !tl) return undefined;
  return {
    kind: "session",
    dir: f.dir,
    protocol: m.protocol.name,
    subject: m.subject.id,
    clock: m.clock,
    status: m.status,
    startedAt: m.startedAt,
    durationS: tl.durationS,
    trainingStartS: tl.trainingStartS,
    phases: m.timeline.phases,
    lightWindows: tl.light.map((l) => ({ channel: l.channel, startS: l.startS, endS: l.endS })),
    devices: Object.fromEntries(
      Object.entries(m.devices ?? {}).map(([k, d]) => [
        k,
        { rejectedLines: d.rejectedLines, residualMs: d.clock?.residualMs ?? null },
      ]),
    ),
  };
}

/** A page's position in the follower's growing lists. */
export interface Cursor {
  cycles: number;
  blocks: number;
  edges: number;
  faults: number;
}

export const newCursor = (): Cursor => ({ cycles: 0, blocks: 0, edges: 0, faults: 0 });

export function liveMessage(f: SessionFollower, cursor: Cursor): LiveMessage {
  const nowMs = f.nowMs;
  const fromMs = nowMs - WINDOW_S * 1000;
  const widthS = (WINDOW_S * 1000) / TRACE_POINTS / 1000;
  const trainingStartS = f.timeline?.trainingStartS ?? 0;
  const durationS = f.timeline?.durationS ?? 0;
  const phase =
    f.meta?.timeline.phases.find((p) => nowMs / 1000 >= p.startS && nowMs / 1000 < p.endS)?.name ?? "";
  const lost = f.eye.v.filter((x) => Number.isNaN(x)).length;
  const spanS = f.eye.t.length > 1 ? ((f.eye.t.at(-1) as number) - (f.eye.t[0] as number)) / 1000 : 0;
  const msg: LiveMessage = {
    kind: "live",
    elapsedS: nowMs / 1000,
    remainingS: Math.max(0, durationS - nowMs / 1000),
    phase,
    trace: {
      t: Array.from({ length: TRACE_POINTS }, (_, b) => fromMs / 1000 + (b + 0.5) * widthS),
      eye: decimate(f.eye.t, f.eye.v, fromMs, nowMs, TRACE_POINTS),
      stimulus: decimate(f.stimulus.t, f.stimulus.v, fromMs, nowMs, TRACE_POINTS),
    },
    cycles: f.cycles.slice(cursor.cycles).map((c) => ({
      t_s: (c.startMs + c.endMs) / 2000,
      gain: c.gain,
      good: c.good,
      phase: c.epoch.phase,
    })),
    // gain.tsv times are since training start; the page works in session time.
    blocks: f.blocks.slice(cursor.blocks).map((b) => ({
      t_s: b.t_s + trainingStartS,
      gain: b.gain,
      phase: b.phase,
      quality: b.quality,
    })),
    edges: f.edges.slice(cursor.edges),
    faults: f.faults.slice(cursor.faults),
    tracker: {
      samplesPerS: spanS > 0 ? f.eye.t.length / spanS : 0,
      lostFraction: f.eye.t.length > 0 ? lost / f.eye.t.length : 0,
    },
    watchdogTrips: f.faults.filter((x) => /watchdog/i.test(x.message)).length,
  };
  cursor.cycles = f.cycles.length;
  cursor.blocks = f.blocks.length;
  cursor.edges = f.edges.length;
  cursor.faults = f.faults.length;
  return msg;
}
