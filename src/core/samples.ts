// What devices report, as every layer sees it: eye and stimulus samples and light edges, each timestamped by
// the device (µs) and by the session clock (ms), on the grids the recording keeps.

/**
 * Sample times sit on a 1 µs grid of the session clock and positions on a 0.0001° grid: the resolution the
 * recording keeps, so that a recorded session replays bit-identically.
 */
export const onMicrosecondGrid = (tMs: number): number => Math.round(tMs * 1000) / 1000;
export const onPositionGrid = (deg: number): number => Math.round(deg * 1e4) / 1e4;

export interface StimulusSample {
  /** Session clock, ms. */
  tMs: number;
  /** Device clock, µs. */
  deviceUs: number;
  /** Session clock when the host received it, ms. */
  hostMs: number;
  /** Angular position of the pattern, degrees (positive = rightward). */
  positionDeg: number;
}

export interface EyeSample {
  tMs: number;
  deviceUs: number;
  hostMs: number;
  /** Horizontal eye position, degrees (positive = rightward); NaN while the pupil is not tracked (blink). */
  xDeg: number;
}

export interface LightEdge {
  tMs: number;
  deviceUs: number;
  channel: string;
  on: boolean;
  powerMw: number;
  /**
   * A light on a PWM pin (Firmata): the duty the pin was commanded with this edge, analogWrite value / 255
   * (0 on an off edge). Below 1 the light is a burst of the PWM carrier at this duty, not a steady level.
   */
  pwmDuty?: number;
}
