// Recorded lines as their device sends them, batch by batch: what a replay's devices play back
// (replay-devices.ts). Only the codecs below it, so the thread that reads a recording (sample-thread.ts) loads
// nothing else.
import { encodeNumeric, fieldIndex, type NumericEvent, numericBytes } from "../../devices/messages.ts";
import { writeText } from "../core/digits.ts";

/**
 * A run of recorded lines as their device sends them, read from a recording in large chunks (no object per
 * line): the bytes of consecutive lines and, column by column, when each was received and placed live. Its
 * arrays may be reused for a later batch once the device has asked for the next one.
 */
export interface RecordedBatch {
  rows: number;
  /** Session time the host received each line live, ms. */
  hostMs: ArrayLike<number>;
  /** Each line's device time, µs, and the session time the live run placed it at, µs (absent: not known). */
  placed?: { deviceUs: ArrayLike<number>; tUs: ArrayLike<number> };
  /** The lines' bytes, each line ending in LF: line i is bytes[ends[i − 1] (0 for the first), ends[i]). */
  bytes: Uint8Array;
  ends: Uint32Array;
}

const LF = 10;

/** The most bytes one line of `event` takes, with its LF. */
export const lineBytes = (event: NumericEvent): number => numericBytes(event) + 1;

/**
 * Writes `rows` lines of a sample stream into `bytes` (room: rows × lineBytes(event)) and their ends into
 * `ends`, encoded as the device encodes them: `event` with each line's device time (its `deviceUs` field) and
 * one value (its field `valueField`), the event's other fields left out. Returns the bytes written.
 */
export function writeSampleLines(
  event: NumericEvent,
  deviceUs: ArrayLike<number>,
  valueField: string,
  values: ArrayLike<number>,
  rows: number,
  bytes: Uint8Array,
  ends: Uint32Array,
): number {
  const table = { [event.tag]: event.specs };
  const timeAt = fieldIndex(table, event.tag, "deviceUs");
  const valueAt = fieldIndex(table, event.tag, valueField);
  const fields = new Float64Array(event.specs.length).fill(Number.NaN);
  let at = 0;
  for (let i = 0; i < rows; i++) {
    fields[timeAt] = deviceUs[i] as number;
    fields[valueAt] = values[i] as number;
    at = encodeNumeric(event, fields, bytes, at);
    bytes[at++] = LF;
    ends[i] = at;
  }
  return at;
}

/** `writeSampleLines` into arrays of their own. */
export function sampleLines(
  event: NumericEvent,
  deviceUs: ArrayLike<number>,
  valueField: string,
  values: ArrayLike<number>,
  rows: number,
): Pick<RecordedBatch, "bytes" | "ends"> {
  const bytes = new Uint8Array(rows * lineBytes(event));
  const ends = new Uint32Array(rows);
  const n = writeSampleLines(event, deviceUs, valueField, values, rows, bytes, ends);
  return { bytes: bytes.subarray(0, n), ends };
}

/** Lines of text (a device's few other lines: light edges), as the device sends them. */
export function textLines(lines: readonly string[]): Pick<RecordedBatch, "bytes" | "ends"> {
  const bytes = new Uint8Array(lines.reduce((n, line) => n + line.length + 1, 0));
  const ends = new Uint32Array(lines.length);
  let at = 0;
  lines.forEach((line, i) => {
    at = writeText(bytes, at, line);
    bytes[at++] = LF;
    ends[i] = at;
  });
  return { bytes, ends };
}
