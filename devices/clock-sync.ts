// Device clock → session clock, estimated online from (device time, host receive time) pairs.
//
// Transport only ever delays a line, so host − device = offset + drift·t + latency with latency ≥ 0. The
// lower envelope of that difference is the clock relation: per 1 s block of device time we keep the minimum,
// and fit offset + drift by least squares through the last `windowBlocks` minima (blocks far above the
// envelope, with no promptly delivered line, are left out):
//   session_ms = device_ms + a + b·device_ms      (a: offset, ms; b: drift, ms per ms = 1e-6 × ppm)
// Residual alignment error = RMS distance of the fitted block minima from the line, ms.
import { UINT32 } from "./wire.ts";

/** Largest drift believed, ms per ms (1000 ppm). */
const MAX_DRIFT = 1e-3;

export interface ClockFit {
  offsetMs: number;
  driftPpm: number;
  residualMs: number;
  blocks: number;
}

export class DeviceClockSync {
  private lastDeviceUs = Number.NaN;
  private lastHostMs = Number.NaN;
  private readonly minima: { t: number; d: number }[] = [];
  /** The minima the current fit rests on (outlying blocks left out). */
  private inliers: readonly { t: number; d: number }[] = [];
  private block = Number.NaN;
  private blockMin = Number.POSITIVE_INFINITY;
  private a = Number.NaN;
  private b = 0;

  constructor(
    private readonly windowBlocks = 60,
    private readonly blockMs = 1000,
  ) {}

  /**
   * Unwraps the device's 32-bit µs counter. The host's own clock says how much time passed since the last
   * line, so the number of wraps is the one that lands closest to that — correct even after a silence
   * longer than the 71.6 min wrap period's half (a drum quiet through a 60 min rest).
   */
  private unwrap(deviceUs: number, hostMs: number): number {
    if (Number.isNaN(this.lastDeviceUs)) return deviceUs;
    const expected = this.lastDeviceUs + (hostMs - this.lastHostMs) * 1000;
    return deviceUs + Math.round((expected - deviceUs) / UINT32) * UINT32;
  }

  /** Adds one observation; returns the device time in ms, unwrapped. */
  observe(deviceUs: number, hostMs: number): number {
    const unwrapped = this.unwrap(deviceUs, hostMs);
    this.lastDeviceUs = unwrapped;
    this.lastHostMs = hostMs;
    const t = unwrapped / 1000;
    const d = hostMs - t;
    if (Number.isNaN(this.a)) this.a = d;
    const block = Math.floor(t / this.blockMs);
    if (block !== this.block) {
      if (Number.isFinite(this.blockMin)) this.addMinimum((this.block + 0.5) * this.blockMs, this.blockMin);
      this.block = block;
      this.blockMin = d;
    } else this.blockMin = Math.min(this.blockMin, d);
    // Within the first block, follow the running minimum so early samples are mapped sensibly.
    if (this.minima.length === 0) this.a = Math.min(this.a, d);
    return t;
  }

  private addMinimum(t: number, d: number): void {
    this.minima.push({ t, d });
    if (this.minima.length > this.windowBlocks) this.minima.shift();
    // A block with no quickly delivered line (only heartbeat replies, say) sits well above the envelope:
    // fit, drop blocks more than max(1 ms, 3 × median residual) above the line, fit again.
    let used = this.minima;
    for (let pass = 0; pass < 3; pass++) {
      this.fitLine(used);
      const residuals = used.map((m) => m.d - (this.a + this.b * m.t));
      const sorted = residuals.map(Math.abs).sort((x, y) => x - y);
      const limit = Math.max(1, 3 * (sorted[sorted.length >> 1] ?? 0));
      const kept = used.filter((_, i) => (residuals[i] as number) <= limit);
      if (kept.length === used.length || kept.length < 2) break;
      used = kept;
    }
    this.inliers = used;
  }

  private fitLine(points: readonly { t: number; d: number }[]): void {
    const n = points.length;
    if (n < 3) {
      this.a = Math.min(...points.map((m) => m.d));
      this.b = 0;
      return;
    }
    let st = 0;
    let sd = 0;
    for (const m of points) {
      st += m.t;
      sd += m.d;
    }
    const tm = st / n;
    const dm = sd / n;
    let stt = 0;
    let std = 0;
    for (const m of points) {
      stt += (m.t - tm) ** 2;
      std += (m.t - tm) * (m.d - dm);
    }
    // Crystals are good to ±100 ppm or so; a larger slope over a short window is noise, not drift.
    this.b = Math.max(-MAX_DRIFT, Math.min(MAX_DRIFT, stt > 0 ? std / stt : 0));
    this.a = dm - this.b * tm;
  }

  /** Session time (ms) of an unwrapped device time (ms). */
  toSessionMs(deviceMs: number): number {
    return deviceMs + this.a + this.b * deviceMs;
  }

  /** Device time (ms, unwrapped) of a session time (ms): the inverse of toSessionMs. */
  toDeviceMs(sessionMs: number): number {
    return (sessionMs - this.a) / (1 + this.b);
  }

  fit(): ClockFit {
    const residuals = this.inliers.map((m) => m.d - (this.a + this.b * m.t));
    const rms =
      residuals.length > 0
        ? Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / residuals.length)
        : Number.NaN;
    return { offsetMs: this.a, driftPpm: this.b * 1e6, residualMs: rms, blocks: this.inliers.length };
  }
}
