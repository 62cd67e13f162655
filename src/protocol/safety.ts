// Light safety: every light schedule is checked against the rig's limits before a session starts.

import { LIGHT_LIMITS } from "../../devices/light-source/description.ts";
import { trainRefusal, trainSpecFor } from "../../devices/light-source/pulse-train.ts";
import type { RigConfig } from "../config/rig-config.ts";
import { dutyCycle, type Timeline, type TimelineLight } from "./timeline.ts";

/** Longest single stretch of light in a schedule, s. */
export function longestOnS(l: TimelineLight): number {
  if (l.pattern.kind === "continuous") return l.endS - l.startS;
  return Math.min(l.pattern.pulseWidthMs / 1000, l.endS - l.startS);
}

const describe = (l: TimelineLight) =>
  `light[${l.index}] (channel '${l.channel}', window '${l.phase}' ${l.startS.toFixed(0)}–${l.endS.toFixed(0)} s)`;

/**
 * Every way the timeline's light breaks the rig's limits or asks for what its light source cannot execute, as
 * messages naming schedule, channel, window, limit and fix.
 */
export function lightSafetyProblems(timeline: Timeline, rig: RigConfig): string[] {
  const problems: string[] = [];
  for (const l of timeline.light) {
    const what = describe(l);
    const channel = rig.light.find((c) => c.name === l.channel);
    if (!channel) {
      problems.push(
        `${what}: the rig has no channel '${l.channel}'; use one of: ${rig.light.map((c) => c.name).join(", ")}`,
      );
      continue;
    }
    const { limits } = channel;
    if (Math.abs(channel.wavelengthNm - l.wavelengthNm) > rig.wavelengthToleranceNm)
      problems.push(
        `${what}: asks for ${l.wavelengthNm} nm but channel '${channel.name}' emits ${channel.wavelengthNm} nm; pick the channel that matches the opsin`,
      );
    if (l.endS <= l.startS)
      problems.push(`${what}: the window is empty or reversed; check startOffsetS/endOffsetS`);
    if (l.startS < 0 || l.endS > timeline.durationS + 1e-9)
      problems.push(
        `${what}: the window reaches outside the session (0–${timeline.durationS.toFixed(0)} s); check the offsets`,
      );
    if (l.powerMw > limits.maxPowerMw)
      problems.push(
        `${what}: power ${l.powerMw} mW exceeds the limit ${limits.maxPowerMw} mW; lower powerMw`,
      );
    // A hokr light source (controller, firmware or simulator) takes PWR only within its description's range.
    else if (rig.devices?.light.backend !== "firmata" && l.powerMw > LIGHT_LIMITS.maxPowerMw)
      problems.push(
        `${what}: power ${l.powerMw} mW is beyond what the light source's PWR command accepts (0–${LIGHT_LIMITS.maxPowerMw} mW); lower powerMw`,
      );
    if (l.pattern.kind === "pulses") {
      const refusal = trainRefusal(trainSpecFor(l.pattern));
      if (refusal) problems.push(`${what}: the light source cannot play this pulse train: ${refusal}`);
    }
    const duty = dutyCycle(l.pattern);
    if (duty > limits.maxDutyCycle + 1e-12)
      problems.push(
        `${what}: duty cycle ${duty.toFixed(3)} exceeds the limit ${limits.maxDutyCycle}; shorten pulses, lengthen the period or add inter-train gaps`,
      );
    const on = longestOnS(l);
    if (on > limits.maxContinuousOnS)
      problems.push(
        `${what}: light stays on for ${on.toFixed(1)} s at a stretch, beyond the limit ${limits.maxContinuousOnS} s; use pulses`,
      );
  }
  // Two schedules on one channel at the same time would fight over it.
  for (const a of timeline.light)
    for (const b of timeline.light)
      if (a.index < b.index && a.channel === b.channel && a.startS < b.endS && b.startS < a.endS)
        problems.push(
          `light[${a.index}] and light[${b.index}] overlap on channel '${a.channel}'; separate their windows`,
        );
  return problems;
}
