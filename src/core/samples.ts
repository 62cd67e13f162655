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

/**
 * Samples of one stream as they travel from a device to the recorder and the analysis: columns of the fields
 * of EyeSample or StimulusSample, in the order the device sent them. A batch is what one read of a port
 * delivered (or one stretch of a simulated device's reports); no result depends on where a stream was cut.
 */
export interface SampleBatch {
  readonly length: number;
  /** Session clock, ms. */
  readonly tMs: Float64Array;
  /** Device clock, µs. */
  readonly deviceUs: Float64Array;
  /** Session clock when the host received it, ms. */
  readonly hostMs: Float64Array;
  /** The eye's horizontal position (NaN: pupil not tracked) or the pattern's position, degrees. */
  readonly deg: Float64Array;
}

/**
 * Batches' columns are cut from shared blocks of this many bytes, as Node's Buffer pool does: allocating an
 * ArrayBuffer (memory outside the heap, tracked by the collector) costs several times more than filling it,
 * and a session hands on a batch per port per read. A block lives on while any batch cut from it does.
 */
const COLUMN_BLOCK_BYTES = 1 << 15;
let columnBlock = new ArrayBuffer(0);
let columnBlockUsed = 0;

/** `bytes` (a multiple of 8) of fresh zeroed memory for a batch's columns: from the shared block if they fit. */
function columnBytes(bytes: number): { buffer: ArrayBuffer; byteOffset: number } {
  if (bytes > COLUMN_BLOCK_BYTES / 4) return { buffer: new ArrayBuffer(bytes), byteOffset: 0 };
  if (columnBlockUsed + bytes > columnBlock.byteLength) {
    columnBlock = new ArrayBuffer(COLUMN_BLOCK_BYTES);
    columnBlockUsed = 0;
  }
  const byteOffset = columnBlockUsed;
  columnBlockUsed += bytes;
  return { buffer: columnBlock, byteOffset };
}

/** The first `n` values of `from`, copied to `buffer` at `byteOffset`. */
function copyColumn(from: Float64Array, n: number, buffer: ArrayBuffer, byteOffset: number): Float64Array {
  const c = new Float64Array(buffer, byteOffset, n);
  for (let i = 0; i < n; i++) c[i] = from[i] as number;
  return c;
}

/** Collects samples one at a time and hands them on as a SampleBatch. */
export class BatchBuilder {
  private tMs: Float64Array;
  private deviceUs: Float64Array;
  private hostMs: Float64Array;
  private deg: Float64Array;
  /** Samples collected since the last `take`. */
  length = 0;

  constructor(private capacity = 64) {
    this.tMs = new Float64Array(capacity);
    this.deviceUs = new Float64Array(capacity);
    this.hostMs = new Float64Array(capacity);
    this.deg = new Float64Array(capacity);
  }

  push(tMs: number, deviceUs: number, hostMs: number, deg: number): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    this.tMs[i] = tMs;
    this.deviceUs[i] = deviceUs;
    this.hostMs[i] = hostMs;
    this.deg[i] = deg;
  }

  /** The samples collected so far as one batch (undefined if none); the builder starts empty again. */
  take(): SampleBatch | undefined {
    const n = this.length;
    if (n === 0) return undefined;
    this.length = 0;
    const { buffer, byteOffset } = columnBytes(4 * n * Float64Array.BYTES_PER_ELEMENT);
    const bytes = n * Float64Array.BYTES_PER_ELEMENT;
    return {
      length: n,
      tMs: copyColumn(this.tMs, n, buffer, byteOffset),
      deviceUs: copyColumn(this.deviceUs, n, buffer, byteOffset + bytes),
      hostMs: copyColumn(this.hostMs, n, buffer, byteOffset + 2 * bytes),
      deg: copyColumn(this.deg, n, buffer, byteOffset + 3 * bytes),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const bigger = (a: Float64Array) => {
      const b = new Float64Array(this.capacity);
      b.set(a);
      return b;
    };
    this.tMs = bigger(this.tMs);
    this.deviceUs = bigger(this.deviceUs);
    this.hostMs = bigger(this.hostMs);
    this.deg = bigger(this.deg);
  }
}

/** Where a sample says nothing else: its device time is its session time in µs, and it arrived at that time. */
const deviceUsOf = (tMs: number): number => Math.round(tMs * 1000);

/** A batch of the given samples (a servo update, a test's few samples). */
export function batchOf(
  samples: readonly { tMs: number; deviceUs?: number; hostMs?: number; deg: number }[],
): SampleBatch {
  const b = new BatchBuilder(Math.max(1, samples.length));
  for (const s of samples) b.push(s.tMs, s.deviceUs ?? deviceUsOf(s.tMs), s.hostMs ?? s.tMs, s.deg);
  return b.take() ?? columnBatch(new Float64Array(0), new Float64Array(0));
}

/** A batch of whole columns (a file's rows), device time and arrival as in `batchOf`; the arrays are kept. */
export const columnBatch = (tMs: Float64Array, deg: Float64Array): SampleBatch => ({
  length: tMs.length,
  tMs,
  deviceUs: tMs.map(deviceUsOf),
  hostMs: tMs,
  deg,
});
