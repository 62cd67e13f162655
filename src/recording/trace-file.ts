// Eye traces from CSV/TSV files (ours or another lab's), read for `hokr analyze` and for replay.
// The header row names the columns; the delimiter is the first of tab, comma, semicolon found in it. Blank
// lines and lines starting with '#' are skipped. Times in s, ms or µs; eye and stimulus positions in degrees;
// an empty or NaN eye cell is a lost pupil (blink). Numbers are parsed from the bytes: with at most 15 digits
// and no exponent, mantissa / 10^decimals is one correctly rounded division of exact values (Clinger's fast
// path), so the value equals Number(text); anything else (exponents, quotes, spaces) goes through Number.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { Observable } from "rxjs";
import { z } from "zod";
import type { AnalysisInput, StimulusEpoch } from "../analysis/cycles.ts";
import { FileProblem } from "../config/json-file.ts";
import { columnBatch } from "../core/samples.ts";

/** Which header names hold time, eye position and (optionally) stimulus position. */
export const TraceColumns = z.strictObject({
  /** Sample time, in `timeUnit`; must increase from row to row. */
  t: z.string().min(1).default("t"),
  /** Horizontal eye position, degrees (empty or NaN = pupil lost). */
  x: z.string().min(1).default("x"),
  /** Stimulus position, degrees; without it the stimulus is given by parameters. */
  stim: z.string().min(1).optional(),
});
export type TraceColumns = z.infer<typeof TraceColumns>;

export const TraceFormat = z.strictObject({
  columns: TraceColumns.prefault({}),
  timeUnit: z.enum(["s", "ms", "us"]).default("s"),
});
export type TraceFormat = z.infer<typeof TraceFormat>;

export interface Trace {
  file: string;
  format: TraceFormat;
  /** Sample times, ms on the trace's own time base (t = 0 where the file's time is 0); strictly increasing. */
  tMs: Float64Array;
  /** Eye position, degrees; NaN = pupil lost. */
  xDeg: Float64Array;
  /** Stimulus position, degrees, when the trace has a stimulus column. */
  stimDeg: Float64Array | null;
}

export const MS_PER_UNIT = { s: 1000, ms: 1, us: 0.001 } as const;
export type TraceTimeUnit = keyof typeof MS_PER_UNIT;

/** The time unit a column name declares by its suffix (`t_ms`, `time (s)`, `time_min`), or undefined. */
export function unitFromName(name: string): "s" | "ms" | "us" | "min" | "h" | undefined {
  const m = /[_\s([](s|ms|us|µs|min|h)[)\]]?$/i.exec(name.trim());
  if (!m) return undefined;
  const u = (m[1] as string).toLowerCase();
  return u === "µs" ? "us" : (u as "s" | "ms" | "us" | "min" | "h");
}

/**
 * The unit of an eye trace's time column from its median sample spacing in the file's own numbers: eye
 * trackers sample at 50 Hz–10 kHz, i.e. 0.1–20 ms, which reads as < 0.05 in s, 0.1–20 in ms and ≥ 100 in µs.
 * Undefined between those ranges (then the user must say).
 */
export function unitFromSpacing(medianInterval: number): TraceTimeUnit | undefined {
  if (medianInterval > 0 && medianInterval < 0.05) return "s";
  if (medianInterval >= 0.1 && medianInterval <= 20) return "ms";
  if (medianInterval >= 100 && medianInterval <= 20_000) return "us";
  return undefined;
}
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const [TAB, COMMA, SEMICOLON, LF, CR, SPACE, QUOTE] = [9, 44, 59, 10, 13, 32, 34];

/**
 * The value of the cell in bytes [a, b) without a line-ending CR, surrounding spaces or quotes: NaN when
 * empty or NaN, nan, NA, N/A (how recorders write a lost pupil); undefined when not a number.
 */
function cellValue(buf: Uint8Array, a: number, b: number): number | undefined {
  let lo = a;
  let hi = b;
  if (hi > lo && buf[hi - 1] === CR) hi--;
  while (lo < hi && buf[lo] === SPACE) lo++;
  while (hi > lo && buf[hi - 1] === SPACE) hi--;
  if (hi - lo >= 2 && buf[lo] === QUOTE && buf[hi - 1] === QUOTE) {
    lo++;
    hi--;
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset + lo, hi - lo).toString("latin1");
  if (["", "nan", "na", "n/a"].includes(text.toLowerCase())) return Number.NaN;
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** Mean length of up to 1000 lines from `pos`, bytes. */
function averageRowBytes(buf: Uint8Array, pos: number): number {
  let lines = 0;
  let p = pos;
  for (; lines < 1000 && p < buf.length; lines++) {
    const end = buf.indexOf(LF, p);
    if (end < 0) {
      p = buf.length;
      lines++;
      break;
    }
    p = end + 1;
  }
  return lines === 0 ? 64 : (p - pos) / lines;
}

function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "cannot read it: no such file; check the path";
  if (code === "EISDIR") return "cannot read it: it is a folder, not a file";
  if (code === "EACCES") return "cannot read it: permission denied";
  return `cannot read it: ${(e as Error).message}`;
}

const CHUNK_BYTES = 1 << 22;

/**
 * The file in chunks of whole lines (each ends with a line feed, except perhaps the file's last), read into one
 * reused 4 MB buffer: memory stays small however long the recording, and no file-sized buffer is allocated.
 * A chunk is valid until the next one is requested.
 */
function* fileChunks(fd: number): Generator<Uint8Array> {
  let block = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry = 0;
  for (;;) {
    if (carry === block.length) block = Buffer.concat([block, Buffer.allocUnsafe(block.length)]); // a huge line
    const got = readSync(fd, block, carry, block.length - carry, null);
    const end = carry + got;
    if (got === 0) {
      if (carry > 0) yield block.subarray(0, carry);
      return;
    }
    const lastLine = block.lastIndexOf(LF, end - 1);
    if (lastLine < 0) {
      carry = end;
      continue;
    }
    yield block.subarray(0, lastLine + 1);
    block.copyWithin(0, lastLine + 1, end);
    carry = end - lastLine - 1;
  }
}

export function readTrace(file: string, format: z.input<typeof TraceFormat> = {}): Trace {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new FileProblem(file, [unreadable(e)]);
  }
  try {
    return parseChunks(fileChunks(fd), fstatSync(fd).size, file, format);
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    throw new FileProblem(file, [unreadable(e)]);
  } finally {
    closeSync(fd);
  }
}

/** Parses trace text; `file` names the source in errors (line and column are 1-based). */
export const parseTrace = (buf: Uint8Array, file: string, format: z.input<typeof TraceFormat> = {}): Trace =>
  parseChunks([buf], buf.length, file, format);

/** Parses chunks of whole lines (only the last may lack its line feed); `totalBytes` sizes the arrays. */
function parseChunks(
  chunks: Iterable<Uint8Array>,
  totalBytes: number,
  file: string,
  format: z.input<typeof TraceFormat>,
): Trace {
  const fmt = TraceFormat.parse(format);
  const fail = (where: string, what: string): never => {
    throw new FileProblem(file, [`${where}: ${what}`]);
  };
  let line = 0;
  let header: string | undefined;
  let headerLine = 0;
  let names: string[] = [];
  let delimiterCode = TAB;
  let tCol = 0;
  let lastCol = 0;
  let role = new Uint8Array(0);
  let capacity = 0;
  let tMs = new Float64Array(0);
  let xDeg = new Float64Array(0);
  let stimDeg: Float64Array | null = null;
  const label = (col: number) => `column ${col + 1} (${names[col]})`;
  const grow = (a: Float64Array, size: number) => {
    const b = new Float64Array(size);
    b.set(a);
    return b;
  };
  const scale = MS_PER_UNIT[fmt.timeUnit];
  let n = 0;
  let previousT = Number.NEGATIVE_INFINITY;
  let previousLine = 0;
  let t = 0;
  let x = 0;
  let s = 0;
  for (const chunk of chunks) {
    let pos = 0;
    const len = chunk.length;
    if (header === undefined) {
      while (pos < len && header === undefined) {
        let end = chunk.indexOf(LF, pos);
        if (end < 0) end = len;
        line++;
        const text = Buffer.from(chunk.buffer, chunk.byteOffset + pos, end - pos)
          .toString("utf8")
          .replace(/^\uFEFF/, "")
          .trim();
        pos = end + 1;
        if (text !== "" && !text.startsWith("#")) header = text;
      }
      if (header === undefined) continue;
      headerLine = line;
      const delimiter = ["\t", ",", ";"].find((d) => header?.includes(d)) ?? "\t";
      delimiterCode = delimiter === "," ? COMMA : delimiter === ";" ? SEMICOLON : TAB;
      names = header.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
      const index = (name: string) => {
        const exact = names.indexOf(name);
        return exact >= 0 ? exact : names.findIndex((c) => c.toLowerCase() === name.toLowerCase());
      };
      const wanted = Object.entries(fmt.columns).filter((e): e is [string, string] => e[1] !== undefined);
      const missing = wanted.filter(([, name]) => index(name) < 0);
      if (missing.length > 0)
        fail(
          `line ${headerLine}`,
          `no column ${missing.map(([r, name]) => `"${name}" (${r})`).join(", ")}; columns found: ` +
            `${names.map((c) => `"${c}"`).join(", ")}; name them with columns t=NAME,x=NAME[,stim=NAME]`,
        );
      tCol = index(fmt.columns.t);
      const xCol = index(fmt.columns.x);
      const sCol = fmt.columns.stim === undefined ? -1 : index(fmt.columns.stim);
      lastCol = Math.max(tCol, xCol, sCol);
      // What each column holds: 0 nothing we need, 1 time, 2 eye, 3 stimulus.
      role = new Uint8Array(lastCol + 1);
      role[tCol] = 1;
      role[xCol] = 2;
      if (sCol >= 0) role[sCol] = 3;
      // Rows are counted only roughly up front (from the first rows' length); the arrays grow if needed.
      capacity = Math.ceil(Math.max(0, totalBytes - pos) / Math.max(4, averageRowBytes(chunk, pos))) + 16;
      tMs = new Float64Array(capacity);
      xDeg = new Float64Array(capacity);
      stimDeg = sCol >= 0 ? new Float64Array(capacity) : null;
    }
    // With a line feed after the last line, every scan stops at a line feed: no bounds checks per byte.
    const unterminated = len > 0 && chunk[len - 1] !== LF;
    const text = unterminated ? Buffer.concat([chunk, Buffer.of(LF)]) : chunk;
    while (pos < len) {
      line++;
      let c = text[pos] as number;
      if (c === LF || c === CR || c === 35 /* # */) {
        pos = text.indexOf(LF, pos) + 1;
        continue;
      }
      // One pass over the line's bytes: cells split at the delimiter, the needed ones parsed on the way.
      let col = 0;
      let i = pos;
      for (;;) {
        const r = role[col];
        if (r) {
          // Fast path: [-]digits[.digits] (at most 15 digits) right up to the delimiter or the line's end.
          let j = i;
          c = text[j] as number;
          const negative = c === 45;
          if (negative) c = text[++j] as number;
          let mantissa = 0;
          let digits = 0;
          let decimals = -1;
          for (;;) {
            if (c >= 48 && c <= 57) {
              mantissa = mantissa * 10 + (c - 48);
              digits++;
              if (decimals >= 0) decimals++;
            } else if (c === 46 && decimals < 0) decimals = 0;
            else break;
            c = text[++j] as number;
          }
          let v: number;
          if (digits > 0 && digits <= 15 && (c === delimiterCode || c === LF || c === CR)) {
            v = mantissa / (POW10[Math.max(decimals, 0)] as number);
            if (negative) v = -v;
          } else {
            while (c !== delimiterCode && c !== LF) c = text[++j] as number;
            const slow = cellValue(text, i, j);
            if (slow === undefined || (r === 1 && !Number.isFinite(slow))) {
              const cell = Buffer.from(text.buffer, text.byteOffset + i, j - i)
                .toString("utf8")
                .trim();
              fail(
                `line ${line}, ${label(col)}`,
                cell === "" ? "time is missing" : `"${cell}" is not a number`,
              );
            }
            v = slow as number;
          }
          if (r === 1) t = v;
          else if (r === 2) x = v;
          else s = v;
          i = j;
        } else {
          while (c !== delimiterCode && c !== LF) c = text[++i] as number;
        }
        col++;
        if (c !== delimiterCode || col > lastCol) break;
        c = text[++i] as number;
      }
      pos = (c === LF ? i : text.indexOf(LF, i)) + 1;
      if (col <= lastCol) {
        // A last line cut short (a recording that was killed) is dropped; anywhere else it is an error.
        if (unterminated && pos >= len) break;
        fail(`line ${line}`, `${col} cells, but ${label(lastCol)} is needed`);
      }
      if (!(t > previousT))
        fail(
          `line ${line}, ${label(tCol)}`,
          `time ${t} ${fmt.timeUnit} is not after ${previousT} ${fmt.timeUnit} on line ${previousLine}; ` +
            "times must increase (sort the rows, or check that the time column is the right one)",
        );
      previousT = t;
      previousLine = line;
      if (n === capacity) {
        capacity = Math.ceil(capacity * 1.5);
        tMs = grow(tMs, capacity);
        xDeg = grow(xDeg, capacity);
        if (stimDeg) stimDeg = grow(stimDeg, capacity);
      }
      tMs[n] = t * scale;
      xDeg[n] = x;
      if (stimDeg) stimDeg[n] = s;
      n++;
    }
  }
  if (header === undefined) return fail("line 1", "no header row; the first line must name the columns");
  if (n === 0) fail(`line ${headerLine}`, "no data rows after the header");
  return {
    file,
    format: fmt,
    tMs: tMs.subarray(0, n),
    xDeg: xDeg.subarray(0, n),
    stimDeg: stimDeg ? stimDeg.subarray(0, n) : null,
  };
}

/** Median sample interval, ms (over at most ~10,000 evenly spread intervals; robust to gaps). */
export function medianIntervalMs(trace: Pick<Trace, "tMs">): number {
  const n = trace.tMs.length - 1;
  if (n < 1) return Number.NaN;
  const step = Math.max(1, Math.floor(n / 10_000));
  const dts = new Float64Array(Math.ceil(n / step));
  for (let k = 0, i = 0; i < n; i += step, k++)
    dts[k] = (trace.tMs[i + 1] as number) - (trace.tMs[i] as number);
  dts.sort();
  return dts[Math.floor(dts.length / 2)] as number;
}

/**
 * The trace as analysis input, typed as the rig's devices deliver samples: the given stimulus epochs, then its
 * eye samples in one batch and, when the trace has a stimulus column, its stimulus samples in another (the
 * analysis does not depend on how streams are cut or interleaved). Device time is trace time in µs. Emitted
 * synchronously on subscribe.
 */
export function traceSamples(trace: Trace, epochs: readonly StimulusEpoch[] = []): Observable<AnalysisInput> {
  return new Observable<AnalysisInput>((out) => {
    for (const epoch of epochs) out.next({ kind: "epoch", epoch });
    const { tMs, xDeg, stimDeg } = trace;
    out.next({ kind: "eye", batch: columnBatch(tMs, xDeg) });
    if (stimDeg && !out.closed) out.next({ kind: "stim", batch: columnBatch(tMs, stimDeg) });
    out.complete();
  });
}
