// Reading a session folder's recorded streams row by row (eye.tsv, stimulus.tsv, events.jsonl), in constant
// memory: a replay of a 75-min session never holds its 900,000 samples at once. A last line cut short by a
// killed session is ignored; any other bad row is an error naming file and line.
import { closeSync, openSync, readSync } from "node:fs";
import { FileProblem } from "../config/json-file.ts";

/** Lines of a text file, read in 1 MB blocks. */
export class LineReader {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(1 << 20);
  private lines: string[] = [];
  private index = 0;
  private partial = "";
  private eof = false;
  lineNumber = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, "r");
    } catch {
      throw new FileProblem(file, ["cannot read it; is this a hokr session folder?"]);
    }
  }

  next(): string | undefined {
    while (this.index >= this.lines.length) {
      if (this.eof) return undefined;
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      if (n === 0) {
        this.eof = true;
        closeSync(this.fd);
        return undefined; // a partial last line (no newline) is what a killed session leaves: dropped
      }
      const parts = (this.partial + this.buffer.toString("latin1", 0, n)).split("\n");
      this.partial = parts.pop() ?? "";
      this.lines = parts;
      this.index = 0;
    }
    this.lineNumber++;
    return this.lines[this.index++];
  }
}

/** A run of consecutive rows of a recorded TSV, column by column. */
export interface ColumnBatch<C extends string> {
  rows: number;
  /** One array per requested column; only the first `rows` entries are this batch's. The arrays are reused
   * by the next batch: copy what you keep. */
  columns: Record<C, Float64Array>;
}

const TAB = 9;
const NEWLINE = 10;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** A cell the fast path does not read (not a plain decimal): as Number() reads it, NaN spelled "NaN". */
function slowCell(text: string): number | undefined {
  if (text === "NaN") return Number.NaN;
  const v = Number(text);
  return text.trim() === "" || Number.isNaN(v) ? undefined : v;
}

/** Parses whole lines into the output columns (a plain loop, outside the generator, so V8 optimizes it). */
class RowParser {
  count = 0;
  private lineNumber = 1;

  constructor(
    private readonly file: string,
    private readonly columns: readonly string[],
    /** For each field of a line, the output column it fills (-1: not wanted). */
    private readonly target: Int32Array,
    private readonly lastField: number,
    private readonly out: Float64Array[],
  ) {}

  /** Parses lines from `i` while they end at or before `last` and the batch has room; returns where it stopped. */
  parse(buffer: Buffer, i: number, last: number): number {
    const { target, out } = this;
    // A plain Uint8Array view: V8 indexes it faster than the Buffer subclass.
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
    const room = out[0]?.length ?? 0;
    while (i <= last && this.count < room) {
      this.lineNumber++;
      let f = 0;
      for (; ; f++) {
        const k = f < target.length ? (target[f] as number) : -1;
        if (k < 0) {
          // A column nobody asked for: skipped, not parsed.
          let c = bytes[i] as number;
          while (c !== TAB && c !== NEWLINE) c = bytes[++i] as number;
          if (c === NEWLINE) break;
          i++;
          continue;
        }
        const from = i;
        let negative = false;
        let c = bytes[i] as number;
        if (c === 45 || c === 43) {
          negative = c === 45;
          c = bytes[++i] as number;
        }
        let mantissa = 0;
        let digits = 0;
        let decimals = -1;
        let plain = true;
        for (; c !== TAB && c !== NEWLINE; c = bytes[++i] as number) {
          if (c >= 48 && c <= 57) {
            mantissa = mantissa * 10 + (c - 48);
            digits++;
            if (decimals >= 0) decimals++;
          } else if (c === 46 && decimals < 0) decimals = 0;
          else plain = false;
        }
        let v: number | undefined;
        if (plain && digits > 0 && digits <= 15) {
          v = decimals > 0 ? mantissa / (POW10[decimals] as number) : mantissa;
          if (negative) v = -v;
        } else v = slowCell(buffer.toString("latin1", from, i));
        if (v === undefined) throw this.bad(k, buffer.toString("latin1", from, i));
        (out[k] as Float64Array)[this.count] = v;
        if (c === NEWLINE) break;
        i++;
      }
      for (let g = f + 1; g <= this.lastField; g++)
        if ((target[g] as number) >= 0) throw this.bad(target[g] as number, "");
      i++;
      this.count++;
    }
    return i;
  }

  private bad(k: number, cell: string): FileProblem {
    return new FileProblem(this.file, [
      `line ${this.lineNumber}: column ${this.columns[k]} is '${cell}', not a number`,
    ]);
  }
}

/**
 * Numeric columns of a recorded TSV in batches of up to `batchRows` rows, read in 1 MB blocks: constant
 * memory, and fast enough for a 75-min 1 kHz recording (one pass over the bytes, no object per row). The
 * recorder's own cells (integers, fixed decimals) are read digit by digit, exactly as Number() would read
 * them (mantissa / 10^decimals is one correctly rounded division); any other spelling goes through Number().
 * A last line cut short by a killed session is dropped; any other bad cell is an error naming file, line
 * and column.
 */
export function* tsvColumns<C extends string>(
  file: string,
  columns: readonly C[],
  batchRows = 1 << 16,
): Generator<ColumnBatch<C>> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    throw new FileProblem(file, ["cannot read it; is this a hokr session folder?"]);
  }
  try {
    let buffer = Buffer.alloc(1 << 20);
    let filled = 0;
    let start = 0;
    /** Moves the unread bytes (from `start`) to the front and reads more after them; false at the end. */
    const refill = (): boolean => {
      buffer.copy(buffer, 0, start, filled);
      filled -= start;
      start = 0;
      if (filled === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2); // a line longer than the buffer
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, filled, buffer.length - filled, null);
      filled += n;
      return n > 0;
    };
    /** Index of the last newline among the unread bytes, reading more until there is one; -1 at the end. */
    const lastNewline = (): number => {
      for (;;) {
        const i = filled > start ? buffer.lastIndexOf(NEWLINE, filled - 1) : -1;
        if (i >= start) return i;
        if (!refill()) return -1;
      }
    };
    let last = lastNewline();
    const headerEnd = last < 0 ? -1 : buffer.indexOf(NEWLINE);
    const header = headerEnd < 0 ? [] : buffer.toString("latin1", 0, headerEnd).split("\t");
    const at = columnIndexes(file, header, columns);
    /** For each field of a line, the output column it fills (-1: not wanted). */
    const target = Int32Array.from(header, (_, f) => at.indexOf(f));
    const lastField = Math.max(...at);
    const out = columns.map(() => new Float64Array(batchRows));
    const batch = (): ColumnBatch<C> => ({
      rows: rows.count,
      columns: Object.fromEntries(columns.map((c, i) => [c, out[i]])) as Record<C, Float64Array>,
    });
    const rows = new RowParser(file, columns, target, lastField, out);
    start = headerEnd + 1;
    for (; last >= start; last = lastNewline()) {
      while (start <= last) {
        start = rows.parse(buffer, start, last);
        if (rows.count === batchRows) {
          yield batch();
          rows.count = 0;
        }
      }
    }
    if (rows.count > 0) yield batch(); // a partial last line (no newline) is what a killed session leaves: dropped
  } finally {
    closeSync(fd);
  }
}

/** Where each requested column stands in a header; an error naming the file and what is missing. */
function columnIndexes(file: string, header: readonly string[], columns: readonly string[]): number[] {
  const at = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, i) => (at[i] as number) < 0);
  if (missing.length > 0)
    throw new FileProblem(file, [
      `missing column(s) ${missing.join(", ")}; found: ${header.join(", ") || "nothing"}`,
    ]);
  return at;
}

/**
 * A parser of single rows of a recorded TSV into named numeric columns, from its header line: for a session
 * followed live, line by line as it grows (whole files are read faster by `tsvColumns`). Cells read as
 * Number() reads them, NaN spelled "NaN"; a bad cell is an error naming file, line and column.
 */
export function tsvRowParser<C extends string>(
  file: string,
  headerLine: string,
  columns: readonly C[],
): (line: string, lineNumber: number) => Record<C, number> {
  const at = columnIndexes(file, headerLine.split("\t"), columns);
  return (line, lineNumber) => {
    const cells = line.split("\t");
    const row = {} as Record<C, number>;
    columns.forEach((c, i) => {
      const cell = cells[at[i] as number] ?? "";
      const v = slowCell(cell);
      if (v === undefined)
        throw new FileProblem(file, [`line ${lineNumber}: column ${c} is '${cell}', not a number`]);
      row[c] = v;
    });
    return row;
  };
}

/** Rows of a recorded TSV, with named numeric columns. */
export function* tsvRows<C extends string>(
  file: string,
  columns: readonly C[],
): Generator<Record<C, number>> {
  for (const { rows, columns: cols } of tsvColumns(file, columns)) {
    const arrays = columns.map((c) => cols[c]);
    for (let r = 0; r < rows; r++) {
      const row = {} as Record<C, number>;
      columns.forEach((c, i) => {
        row[c] = (arrays[i] as Float64Array)[r] as number;
      });
      yield row;
    }
  }
}

/** Events of events.jsonl as plain objects. */
export function* jsonlRows(file: string): Generator<Record<string, unknown>> {
  const reader = new LineReader(file);
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    if (line === "") continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new FileProblem(file, [`line ${reader.lineNumber}: not valid JSON`]);
    }
  }
}
