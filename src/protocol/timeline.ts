// Resolves a protocol into absolute times on the session clock (s since session start).
import { trainDuty, trainPulses, trainSpecFor } from "../../devices/light-source/pulse-train.ts";
import type { LightPattern, Protocol, StimulusSettings } from "./schema.ts";

export interface TimelinePhase {
  index: number;
  name: string;
  startS: number;
  endS: number;
  /** Stimulus settings while the phase runs, or null when the stimulus is off. */
  stimulus: StimulusSettings | null;
  cyclesPerBlock: number;
}

export interface TimelineLight {
  /** Index of the schedule in the protocol's `light` array. */
  index: number;
  /** The phase the window is relative to. */
  phase: string;
  channel: string;
  opsin: "ChR2" | "ArchT";
  wavelengthNm: number;
  powerMw: number;
  startS: number;
  endS: number;
  pattern: LightPattern;
}

export interface Timeline {
  phases: TimelinePhase[];
  light: TimelineLight[];
  durationS: number;
  trainingStartS: number;
}

export function buildTimeline(protocol: Protocol): Timeline {
  let t = 0;
  const phases = protocol.phases.map((p, index): TimelinePhase => {
    const { on, ...overrides } = p.stimulus;
    const stimulus = on ? { ...protocol.stimulus, ...overrides } : null;
    const durationS = p.durationS ?? (p.cycles ?? 0) / (stimulus?.frequencyHz ?? 1);
    const phase = {
      index,
      name: p.name,
      startS: t,
      endS: t + durationS,
      stimulus,
      cyclesPerBlock: p.cyclesPerBlock,
    };
    t += durationS;
    return phase;
  });
  const byName = new Map(phases.map((p) => [p.name, p]));
  const light = protocol.light.map((l, index): TimelineLight => {
    const phase = byName.get(l.window.phase);
    if (!phase) throw new Error(`light[${index}]: unknown phase '${l.window.phase}'`);
    return {
      index,
      phase: l.window.phase,
      channel: l.channel,
      opsin: l.opsin,
      wavelengthNm: l.wavelengthNm,
      powerMw: l.powerMw,
      startS: phase.startS + l.window.startOffsetS,
      endS: phase.endS + l.window.endOffsetS,
      pattern: l.pattern,
    };
  });
  return { phases, light, durationS: t, trainingStartS: byName.get("training")?.startS ?? 0 };
}

/** Long-run fraction of time the light is on, 0–1, as the light source plays the pattern. */
export function dutyCycle(p: LightPattern): number {
  return p.kind === "continuous" ? 1 : trainDuty(trainSpecFor(p));
}

/**
 * Light-on intervals [on, off) in s for a schedule, in order: the pulses the light source plays
 * (devices/light-source/pulse-train.ts) from the window start, cut at the window end, where the light is
 * switched off.
 */
export function* lightOnIntervals(
  l: Pick<TimelineLight, "startS" | "endS" | "pattern">,
): Generator<[number, number]> {
  const { startS, endS, pattern: p } = l;
  if (p.kind === "continuous") {
    if (endS > startS) yield [startS, endS];
    return;
  }
  for (const [onUs, offUs] of trainPulses(trainSpecFor(p))) {
    const on = startS + onUs / 1e6;
    if (on >= endS - 1e-9) return;
    yield [on, Math.min(startS + offUs / 1e6, endS)];
  }
}
