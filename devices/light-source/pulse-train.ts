// The pulse-train rule, in device units (µs): exactly what a light source executes for `TRAIN`. The
// simulated light source, the Firmata path and protocol validation use these functions; the firmware
// (devices/firmware/clock.cpp) implements the same rule in C, and tests/pulse-train-property.test.ts checks
// that all of them produce the same edges.
//
// Rule: pulse k of train j starts at j·(train + gap) + k·period after the train's start, for every k with
// k·period < train (train 0: one endless train), and lasts `width` whole — a pulse is never cut at its
// train's end. `trains` trains are played (0: until OFF). A device refuses (ERR 2) a train whose pulses or
// dark times are shorter than `minEdgeSpacingUs`, or whose last pulse would run into the next train.
import { LIGHT_LIMITS } from "./description.ts";

export interface TrainSpec {
  widthUs: number;
  periodUs: number;
  /** 0 = one endless train. */
  trainUs: number;
  gapUs: number;
  /** 0 = until OFF. */
  trains: number;
}

/** A protocol's pulse pattern (src/protocol/schema.ts), in its units. */
export interface PulsePattern {
  pulseWidthMs: number;
  periodMs: number;
  trainDurationS?: number | undefined;
  interTrainIntervalS: number;
}

/** The train a protocol's pulse pattern asks for, in whole µs, repeated until the light is switched off. */
export function trainSpecFor(p: PulsePattern): TrainSpec {
  return {
    widthUs: Math.round(p.pulseWidthMs * 1000),
    periodUs: Math.round(p.periodMs * 1000),
    trainUs: p.trainDurationS === undefined ? 0 : Math.round(p.trainDurationS * 1e6),
    gapUs: Math.round(p.interTrainIntervalS * 1e6),
    trains: 0,
  };
}

/** Pulses per train (Infinity for an endless train). */
export const pulsesPerTrain = (s: TrainSpec): number =>
  s.trainUs === 0 ? Number.POSITIVE_INFINITY : Math.ceil(s.trainUs / s.periodUs);

const ms = (us: number) => `${us / 1000} ms`;
const seconds = (us: number) => `${us / 1e6} s`;

/**
 * Why a light source refuses this train, with the fix, in the protocol's terms (pulseWidthMs, periodMs,
 * trainDurationS, interTrainIntervalS); undefined when every light source executes it.
 */
export function trainRefusal(s: TrainSpec, limits = LIGHT_LIMITS): string | undefined {
  const min = limits.minEdgeSpacingUs;
  for (const [name, v] of [
    ["pulse width", s.widthUs],
    ["period", s.periodUs],
    ["train duration", s.trainUs],
    ["inter-train interval", s.gapUs],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > limits.maxSpanUs)
      return `the ${name} ${seconds(v)} is outside what a light source can time (0–${seconds(limits.maxSpanUs)}); shorten it`;
  if (!Number.isInteger(s.trains) || s.trains < 0 || s.trains > limits.maxTrains)
    return `${s.trains} trains is outside 0–${limits.maxTrains}`;
  if (s.widthUs < min)
    return `pulses of ${ms(s.widthUs)} are shorter than the ${ms(min)} a light source can time; lengthen pulseWidthMs`;
  if (s.periodUs - s.widthUs < min)
    return `the dark time between pulses (${ms(s.periodUs - s.widthUs)}) is shorter than ${ms(min)}; lengthen periodMs or shorten pulseWidthMs`;
  if (s.trainUs === 0 || s.trains === 1) return undefined;
  const lastEndUs = (pulsesPerTrain(s) - 1) * s.periodUs + s.widthUs;
  if (lastEndUs + min > s.trainUs + s.gapUs)
    return (
      `each train's last pulse (which plays whole) ends ${ms(lastEndUs)} after the train starts, ` +
      `${ms(lastEndUs + min - s.trainUs - s.gapUs)} too late for a dark time of ${ms(min)} before the next train ` +
      `at ${ms(s.trainUs + s.gapUs)}; lengthen interTrainIntervalS to at least ${seconds(lastEndUs + min - s.trainUs)}`
    );
  return undefined;
}

/** The pulses [on, off) of a train, µs after its start, in order (endless for an endless train). */
export function* trainPulses(s: TrainSpec): Generator<[number, number]> {
  for (let j = 0; s.trains === 0 || j < s.trains; j++) {
    const trainStart = j * (s.trainUs + s.gapUs);
    for (let k = 0; s.trainUs === 0 || k * s.periodUs < s.trainUs; k++) {
      const on = trainStart + k * s.periodUs;
      yield [on, on + s.widthUs];
    }
    if (s.trainUs === 0) return;
  }
}

/** Long-run fraction of time the train is on, 0–1. */
export function trainDuty(s: TrainSpec): number {
  if (s.trainUs === 0) return s.widthUs / s.periodUs;
  return (pulsesPerTrain(s) * s.widthUs) / (s.trainUs + s.gapUs);
}
