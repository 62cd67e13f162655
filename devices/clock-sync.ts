// Device clock → session clock, estimated online from (device time, host receive time) pairs.
//
// Transport only ever delays a line, so host − device = offset + drift·t + latency with latency ≥ 0. The
// lower envelope of that difference is the clock relation: per 1 s block of device time we keep the minimum,
// and fit offset + drift as the line under the last `windowBlocks` minima that lies closest to them (their
// lower convex hull: slow blocks lie above it and never raise it):
//   session_ms = device_ms + a + b·device_ms      (a: offset, ms; b: drift, ms per ms = 1e-6 × ppm)
// Residual alignment error = RMS distance of the kept block minima from the line (blocks far above it, with no
// quickly delivered line, left out), ms.
//
// Robustness: a timestamp is judged against the fit before it may touch it. A line stamped ahead of the
// envelope (it would have arrived before it was sent) or behind the device's previous line is rejected: it
// is not placed, it moves nothing, and it is counted. Only a run of `JUMP_CONFIRM` rejected timestamps that
// agree with one another is taken as the device clock having really jumped: the fit starts again from them.
// A device reset or a reconnect starts a new fit explicitly (`restart`).
import { UINT32 } from "./wire.ts";

/** Largest drift believed, ms per ms (1000 ppm). */
const MAX_DRIFT = 1e-3;
/**
 * How far ahead of the fitted envelope a line may be stamped, ms. Not a few ms: on a real host the early blocks'
 * minima can sit several ms above the true envelope (a busy start), and a later quick delivery then looks
 * "ahead"; rejecting it, and the next four, would take a false clock jump and lose those lines. A corrupted
 * stamp is seconds off; 50 ms keeps those out and lets quick lines lower the envelope.
 */
const AHEAD_TOLERANCE_MS = 50;
/** Extra allowance per ms since the last block minimum: drift the fit may not yet know, ms per ms (100 ppm). */
const DRIFT_SLACK = 1e-4;
/** Before the first block of a fit closes the envelope is a few lines': allow a latency spread this large, ms. */
const FIRST_BLOCK_TOLERANCE_MS = 1000;
/** Block minima a line is fitted through; with fewer, the envelope is the quickest line yet. */
const SETTLED_BLOCKS = 3;
/** A line stamped before the previous line of its stream by more than this is out of order, ms. */
const BACKWARD_TOLERANCE_MS = 5;
/**
 * …and before the device's previous line of any kind by more than this, ms: how long after it happened a
 * device may report an event (a camera's frame pipeline, a queued edge), while a reply is stamped when sent.
 */
const REPORTING_DELAY_MS = 250;
/** A line later than this after being stamped is not transport delay but a wrong timestamp, ms. */
const MAX_LATENCY_MS = 60_000;
/** Rejected timestamps in a row, agreeing with one another, that mean the device clock really jumped. */
export const JUMP_CONFIRM = 5;
/** How closely those rejected timestamps must agree (their host − device differences), ms. */
const JUMP_AGREEMENT_MS = 250;

export interface ClockFit {
  offsetMs: number;
  driftPpm: number;
  /** RMS distance of the kept block minima from the fitted line, ms. */
  residualMs: number;
  /** Block minima the fit rests on. */
  blocks: number;
  /** Timestamps rejected as out of line with the device's clock (never placed, never fitted). */
  rejected: number;
  /** Times the fit started again: device reset, reconnect, or a confirmed clock jump. */
  restarts: number;
}

/** Where a device time lands on the session clock, or why it was rejected. */
export type Placement =
  | {
      ok: true;
      /** Device time unwrapped, ms. */
      deviceMs: number;
      /** Session time, ms. */
      tMs: number;
      /** Set when this line confirmed a jump of the device clock: how far it jumped, ms (> 0: forward). */
      jumpMs?: number;
    }
  | { ok: false; reason: string };

/** Maps one device's timestamps onto the session clock. */
export interface DeviceClock {
  /**
   * `stream`: what the line is (an event's tag, or replies). Each stream's times run forward on their own: a
   * device stamps a reply when it sends it but an event when it happened (a frame's exposure, an edge), so an
   * event may rightly carry a time before a reply sent just ahead of it.
   */
  place(deviceUs: number, hostMs: number, stream?: string): Placement;
  /** Device time (ms) of a session time (ms), by the current relation: for commands timed in device time. */
  toDeviceMs(sessionMs: number): number;
  /** The device clock started again (reset, reconnect): forget the old relation. */
  restart(): void;
  /** The session clock's zero moved `elapsedMs` later (the session starts after connecting): keep the relation. */
  shiftSession(elapsedMs: number): void;
  fit(): ClockFit;
}

interface Point {
  t: number;
  d: number;
}

/**
 * The intercept of the highest line of slope `b` on or below every point: min(d − b·t). A loop, not
 * Math.min(...points.map(…)): it runs at every block of every port.
 */
function lowestIntercept(points: readonly Point[], b: number): number {
  let a = Number.POSITIVE_INFINITY;
  for (const m of points) a = Math.min(a, m.d - b * m.t);
  return a;
}

export class DeviceClockSync implements DeviceClock {
  private lastT = Number.NaN;
  private lastHostMs = Number.NaN;
  /** The last accepted device time of each stream, ms. */
  private readonly lastOfStream = new Map<string, number>();
  private minima: Point[] = [];
  /** The minima the current fit rests on (outlying blocks left out). */
  private inliers: readonly Point[] = [];
  private block = Number.NaN;
  private blockMin = Number.POSITIVE_INFINITY;
  private a = Number.NaN;
  private b = 0;
  /** Device time of the newest block minimum in the fit, ms. */
  private fittedUpTo = Number.NaN;
  /** Rejected timestamps in a row: a candidate new clock relation. */
  private run: { deviceUs: number; hostMs: number; t: number; d: number; stream: string }[] = [];
  private rejected = 0;
  private restarts = 0;
  /** RMS residual of the current fit, ms (kept, as every timestamp is judged against it). */
  private residualMs = Number.NaN;
  /** The block minima's distances from the fitted line, and them sorted (addMinimum's scratch), ms. */
  private readonly residuals: Float64Array;
  private readonly sorted: Float64Array;

  constructor(
    private readonly windowBlocks = 60,
    private readonly blockMs = 1000,
  ) {
    this.residuals = new Float64Array(windowBlocks + 1);
    this.sorted = new Float64Array(windowBlocks + 1);
  }

  /**
   * Unwraps a 32-bit µs counter against a previous (unwrapped ms, host ms) pair. The host's own clock says
   * how much time passed, so the number of wraps is the one that lands closest to that — correct even after
   * a silence longer than the 71.6 min wrap period's half (a drum quiet through a 60 min rest).
   */
  private static unwrap(deviceUs: number, hostMs: number, prevT: number, prevHostMs: number): number {
    if (Number.isNaN(prevT)) return deviceUs / 1000;
    const expectedUs = (prevT + (hostMs - prevHostMs)) * 1000;
    return (deviceUs + Math.round((expectedUs - deviceUs) / UINT32) * UINT32) / 1000;
  }

  place(deviceUs: number, hostMs: number, stream = ""): Placement {
    const t = DeviceClockSync.unwrap(deviceUs, hostMs, this.lastT, this.lastHostMs);
    const problem = this.judge(t, hostMs, stream);
    if (problem === null) {
      // A new array only when there is a run to drop: this runs for every line.
      if (this.run.length > 0) this.run = [];
      this.accept(t, hostMs, stream);
      return { ok: true, deviceMs: t, tMs: this.toSessionMs(t) };
    }
    // Out of line: perhaps alone (a corrupted stamp), perhaps the first of a jumped clock.
    const prev = this.run.at(-1);
    const tRun = prev ? DeviceClockSync.unwrap(deviceUs, hostMs, prev.t, prev.hostMs) : t;
    const d = hostMs - tRun;
    const agrees =
      prev !== undefined &&
      tRun >= prev.t - BACKWARD_TOLERANCE_MS &&
      Math.abs(d - (this.run[0] as { d: number }).d) <= JUMP_AGREEMENT_MS;
    if (!agrees) this.run = [];
    this.run.push({ deviceUs, hostMs, t: tRun, d, stream });
    if (this.run.length < JUMP_CONFIRM) {
      this.rejected++;
      return { ok: false, reason: problem };
    }
    // The device clock did jump: a new fit from the run (the earlier ones stay rejected).
    const oldPlace = this.toSessionMs(tRun);
    const run = this.run;
    this.restart();
    for (const r of run) this.accept(r.t, r.hostMs, r.stream);
    const tMs = this.toSessionMs(tRun);
    return { ok: true, deviceMs: tRun, tMs, jumpMs: oldPlace - tMs };
  }

  /** Null if the timestamp is in line with the device clock, else what is wrong with it. */
  private judge(t: number, hostMs: number, stream: string): string | null {
    if (Number.isNaN(this.lastT)) return null;
    const previous = this.lastOfStream.get(stream) ?? Number.NEGATIVE_INFINITY;
    if (t < previous - BACKWARD_TOLERANCE_MS)
      return `device time goes back ${(previous - t).toFixed(1)} ms from the previous line of its kind`;
    if (t < this.lastT - REPORTING_DELAY_MS)
      return `device time goes back ${(this.lastT - t).toFixed(1)} ms from the previous line`;
    const r = hostMs - t - (this.a + this.b * t);
    const tolerance =
      this.minima.length > 0
        ? AHEAD_TOLERANCE_MS + 3 * this.residualMs + DRIFT_SLACK * Math.max(0, t - this.fittedUpTo)
        : FIRST_BLOCK_TOLERANCE_MS;
    if (r < -tolerance) return `device time ${(-r).toFixed(1)} ms ahead of the device's clock fit`;
    if (r > MAX_LATENCY_MS) return `device time ${(r / 1000).toFixed(1)} s behind the device's clock fit`;
    return null;
  }

  private accept(t: number, hostMs: number, stream: string): void {
    this.lastT = t;
    this.lastHostMs = hostMs;
    this.lastOfStream.set(stream, t);
    const d = hostMs - t;
    if (Number.isNaN(this.a)) this.a = d;
    const block = Math.floor(t / this.blockMs);
    if (block !== this.block) {
      if (Number.isFinite(this.blockMin)) this.addMinimum((this.block + 0.5) * this.blockMs, this.blockMin);
      this.block = block;
      this.blockMin = d;
    } else this.blockMin = Math.min(this.blockMin, d);
    // Until a line can be fitted, the envelope is the quickest line yet: follow it, so that early samples are
    // placed by the best bound there is rather than by a slow first block.
    if (this.minima.length < SETTLED_BLOCKS) this.a = Math.min(this.a, d);
  }

  restart(): void {
    if (!Number.isNaN(this.lastT)) this.restarts++;
    this.lastT = Number.NaN;
    this.lastHostMs = Number.NaN;
    this.lastOfStream.clear();
    this.minima = [];
    this.inliers = [];
    this.block = Number.NaN;
    this.blockMin = Number.POSITIVE_INFINITY;
    this.a = Number.NaN;
    this.b = 0;
    this.fittedUpTo = Number.NaN;
    this.residualMs = Number.NaN;
    this.run = [];
  }

  shiftSession(elapsedMs: number): void {
    // Host times are session times: every one held moves with the zero. (inliers are some of minima's points.)
    this.a -= elapsedMs;
    this.lastHostMs -= elapsedMs;
    this.blockMin -= elapsedMs;
    for (const m of this.minima) m.d -= elapsedMs;
    for (const r of this.run) {
      r.hostMs -= elapsedMs;
      r.d -= elapsedMs;
    }
  }

  private addMinimum(t: number, d: number): void {
    this.minima.push({ t, d });
    this.fittedUpTo = t;
    if (this.minima.length > this.windowBlocks) this.minima.shift();
    this.fitEnvelope(this.minima);
    // A block with no quickly delivered line (only heartbeat replies, or a host busy for a while) sits above
    // the envelope; it does not move the line, and blocks more than max(1 ms, 3 × median residual) above it are
    // left out of the reported residual and block count.
    const n = this.minima.length;
    const residuals = this.residuals.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const m = this.minima[i] as Point;
      residuals[i] = m.d - (this.a + this.b * m.t);
    }
    // A typed array sorts numerically in native code: no comparator called per pair, every block of every port.
    const sorted = this.sorted.subarray(0, n);
    sorted.set(residuals);
    sorted.sort();
    const limit = Math.max(1, 3 * (sorted[n >> 1] ?? 0));
    this.inliers = this.minima.filter((_, i) => (residuals[i] as number) <= limit);
    this.residualMs = this.residual();
  }

  /**
   * The lower envelope through the block minima (d = host − device time, ms, at device time t): the line below
   * every minimum (latency ≥ 0) that lies closest to them, i.e. minimises Σ (d_i − a − b·t_i) subject to
   * d_i ≥ a + b·t_i (the linear programme of Moon, Skelly & Towsley 1999, IEEE INFOCOM). Its objective is
   * n·(mean d − (a + b·mean t)), so the answer is the edge of the minima's lower convex hull above the mean
   * device time. Slow blocks lie above the hull and cannot raise it, however many there are. With fewer than
   * SETTLED_BLOCKS minima the slope is noise: the envelope is flat at the lowest. |b| ≤ MAX_DRIFT.
   */
  private fitEnvelope(points: readonly Point[]): void {
    const n = points.length;
    if (n < SETTLED_BLOCKS) {
      this.a = lowestIntercept(points, 0);
      this.b = 0;
      return;
    }
    // Lower hull by Andrew's monotone chain (minima are in time order).
    const hull: Point[] = [];
    for (const p of points) {
      while (hull.length >= 2) {
        const o = hull[hull.length - 2] as Point;
        const q = hull[hull.length - 1] as Point;
        if ((q.t - o.t) * (p.d - o.d) - (q.d - o.d) * (p.t - o.t) > 0) break;
        hull.pop();
      }
      hull.push(p);
    }
    const tMean = points.reduce((s, m) => s + m.t, 0) / n;
    let k = 0;
    while (k < hull.length - 2 && (hull[k + 1] as Point).t < tMean) k++;
    const p = hull[k] as Point;
    const q = hull[k + 1] as Point;
    // An edge steeper than any clock drifts (crystals and resonators are good to 1000 ppm) is not drift but a
    // stretch of slow blocks (a busy host): keep the drift known so far, and lower the line onto the hull.
    const slope = (q.d - p.d) / (q.t - p.t);
    if (Math.abs(slope) <= MAX_DRIFT) this.b = slope;
    this.a = lowestIntercept(points, this.b);
  }

  /** Session time (ms) of an unwrapped device time (ms). */
  toSessionMs(deviceMs: number): number {
    return deviceMs + this.a + this.b * deviceMs;
  }

  /** Device time (ms, unwrapped) of a session time (ms): the inverse of toSessionMs. */
  toDeviceMs(sessionMs: number): number {
    return (sessionMs - this.a) / (1 + this.b);
  }

  private residual(): number {
    let sum = 0;
    for (const m of this.inliers) {
      const r = m.d - (this.a + this.b * m.t);
      sum += r * r;
    }
    return this.inliers.length > 0 ? Math.sqrt(sum / this.inliers.length) : Number.NaN;
  }

  fit(): ClockFit {
    return {
      offsetMs: this.a,
      driftPpm: this.b * 1e6,
      residualMs: this.residualMs,
      blocks: this.inliers.length,
      rejected: this.rejected,
      restarts: this.restarts,
    };
  }
}
