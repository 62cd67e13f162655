// The `hokr-stripe` device as the browser page runs it, without the browser: answers the host's command
// lines (README "Wire protocols", drum and stripe display), evaluates the device-generated sinusoid at each
// frame's display time, counts dropped frames, and writes the per-frame position report (`P`). The page
// (stripe.browser.ts) supplies the clock, the frames and the pixels; this file is plain logic, so the same
// code is bundled into the page and unit-tested in Node.
import { type StimulusCommand, stimulusCommands, stimulusEvents } from "../drum/codec.ts";
import { formatErr, formatOk, parseCommand, UINT32, WireError } from "../wire.ts";

/** Largest amplitude the page agrees to drive, degrees. */
export const STRIPE_MAX_AMPLITUDE_DEG = 45;
/** Spatial frequency until the host sends `SF`, cycles/degree. */
export const STRIPE_DEFAULT_CPD = 0.1;
/** A frame interval this many times the usual one means frames were skipped. */
const DROP_FACTOR = 1.5;

export interface StripeFrame {
  /** Frame number since the page opened, from 0. */
  frame: number;
  /** When this frame is expected on the screen, page clock (ms). */
  displayMs: number;
  /** Pattern position, degrees (positive = rightward). */
  positionDeg: number;
  /** Photodiode patch: white (true) from each even cycle start, black from each odd one; black at rest. */
  patchOn: boolean;
  /** Whether the sinusoid is running (a P report is due for this frame). */
  moving: boolean;
}

class Refusal extends Error {
  constructor(
    readonly code: 1 | 2 | 3,
    text: string,
  ) {
    super(text);
  }
}

export class StripeDevice {
  private running: { t0Ms: number; amplitudeDeg: number; frequencyHz: number } | null = null;
  private heldDeg = 0;
  private lastFrameMs: number | undefined;
  private readonly intervals: number[] = [];
  cyclesPerDeg = STRIPE_DEFAULT_CPD;
  /** Position reports per second the host asked for; the page reports once per displayed frame. */
  reportRateHz = 100;
  frames = 0;
  dropped = 0;

  /** @param now page clock, ms (performance.now()). */
  constructor(private readonly now: () => number) {}

  /** The device clock: µs, unsigned 32-bit, wrapping — like the firmware's micros(). */
  deviceUs(ms: number): number {
    return Math.round(ms * 1000) % UINT32;
  }

  /** The usual time between frames, ms: median of the recent intervals (60 Hz until measured). */
  get frameIntervalMs(): number {
    if (this.intervals.length === 0) return 1000 / 60;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Answers one command line with its reply line. */
  command(line: string): string {
    let id = 0;
    try {
      const c = parseCommand(line);
      id = c.id;
      const decoded = stimulusCommands.decode(c.verb, c.args, line);
      if (!decoded) throw new Refusal(1, `unknown verb ${c.verb}`);
      const t = this.now();
      return formatOk(c.id, this.deviceUs(t), this.apply(decoded, t));
    } catch (e) {
      if (e instanceof Refusal) return formatErr(id, e.code, e.message);
      if (e instanceof WireError) return formatErr(id, 2, e.reason);
      throw e;
    }
  }

  private apply(c: StimulusCommand, tMs: number): (string | number)[] {
    switch (c.tag) {
      case "HELLO":
        return ["hokr-stripe", 1, STRIPE_MAX_AMPLITUDE_DEG];
      case "SINE":
        if (c.amplitudeDeg > STRIPE_MAX_AMPLITUDE_DEG)
          throw new Refusal(2, `amplitude above ${STRIPE_MAX_AMPLITUDE_DEG} deg`);
        if (c.frequencyHz <= 0) throw new Refusal(2, "frequency must be > 0");
        // amp·sin(2π·f·(now − t)): position 0 at the reply's time t.
        this.running = { t0Ms: tMs, amplitudeDeg: c.amplitudeDeg, frequencyHz: c.frequencyHz };
        return [];
      case "STOP":
        // Hold still where the last frame put the pattern.
        this.running = null;
        return [];
      case "RATE":
        this.reportRateHz = c.hz;
        return [];
      case "SF":
        if (c.cyclesPerDeg <= 0) throw new Refusal(2, "spatial frequency must be > 0");
        this.cyclesPerDeg = c.cyclesPerDeg;
        return [];
      case "PING":
        return [];
    }
  }

  /**
   * A new frame begins at `frameStartMs` (the requestAnimationFrame time): counts frames skipped since the
   * last one and returns what this frame shows. It reaches the screen one frame interval later, so the
   * sinusoid is evaluated there.
   */
  frame(frameStartMs: number): StripeFrame {
    if (this.lastFrameMs !== undefined) {
      const dt = frameStartMs - this.lastFrameMs;
      const usual = this.frameIntervalMs;
      if (this.intervals.length >= 10 && dt > DROP_FACTOR * usual) this.dropped += Math.round(dt / usual) - 1;
      else {
        this.intervals.push(dt);
        if (this.intervals.length > 60) this.intervals.shift();
      }
    }
    this.lastFrameMs = frameStartMs;
    const displayMs = frameStartMs + this.frameIntervalMs;
    const r = this.running;
    let patchOn = false;
    if (r && displayMs >= r.t0Ms) {
      const cycles = (r.frequencyHz * (displayMs - r.t0Ms)) / 1000;
      this.heldDeg = r.amplitudeDeg * Math.sin(2 * Math.PI * cycles);
      patchOn = Math.floor(cycles) % 2 === 0;
    }
    return {
      frame: this.frames++,
      displayMs,
      positionDeg: this.heldDeg,
      patchOn,
      moving: r !== null && displayMs >= r.t0Ms,
    };
  }

  /** The frame's `P` report line. */
  report(f: StripeFrame): string {
    return stimulusEvents.encode({
      tag: "P",
      deviceUs: this.deviceUs(f.displayMs),
      positionDeg: f.positionDeg,
    });
  }

  /** A `!` device message with the frame counts (the host adapter counts dropped frames from these). */
  frameCounts(): string {
    return stimulusEvents.encode({
      tag: "!",
      deviceUs: this.deviceUs(this.now()),
      text: `frames ${this.frames} dropped ${this.dropped}`,
    });
  }
}

/** Parses a frame-count message's text (see frameCounts), or undefined if it is another message. */
export function parseFrameCounts(text: string): { frames: number; dropped: number } | undefined {
  const m = /^frames (\d+) dropped (\d+)$/.exec(text);
  return m ? { frames: Number(m[1]), dropped: Number(m[2]) } : undefined;
}

/**
 * One row of the grating, 8-bit luminance per device pixel: mean grey, stripes of `periodPx`, shifted right by
 * `shiftPx`, phase anchored at the row's centre. Square: ±contrast bars; sine: contrast·cos profile.
 */
export function gratingRow(
  out: Uint8ClampedArray,
  width: number,
  periodPx: number,
  shiftPx: number,
  grating: "square" | "sine",
  contrast: number,
): void {
  const centre = width / 2;
  for (let x = 0; x < width; x++) {
    const u = (x + 0.5 - centre - shiftPx) / periodPx;
    const c = Math.cos(2 * Math.PI * u);
    const profile = grating === "sine" ? c : c >= 0 ? 1 : -1;
    const v = 127.5 * (1 + contrast * profile);
    const i = 4 * x;
    out[i] = v;
    out[i + 1] = v;
    out[i + 2] = v;
    out[i + 3] = 255;
  }
}
