// Table-driven codecs: a device description (description.ts) lists its commands and events as fields with
// kinds and ranges, and these two functions turn such a table into the encoder and the validating decoder —
// one definition, both directions, so host drivers, simulated devices and firmware tests never disagree.
import { MAX_NUMBER_BYTES, writeFixed4, writeInteger, writeText } from "../src/core/digits.ts";
import type { FieldSpec } from "./description.ts";
import {
  decimal,
  deviceTime,
  fields,
  integer,
  MAX_LINE_BYTES,
  parseReply,
  type Reply,
  UINT32,
  WireError,
  wireNumber,
} from "./wire.ts";

export type Table = Readonly<Record<string, readonly FieldSpec[]>>;

type ValueOf<F extends FieldSpec> = F["kind"] extends "flag"
  ? boolean
  : F["kind"] extends "word"
    ? F["words"] extends readonly (infer W)[]
      ? W
      : string
    : F["kind"] extends "text"
      ? string
      : number;
type Values<F extends readonly FieldSpec[]> = {
  [K in F[number] as K["optional"] extends true ? never : K["name"]]: ValueOf<K>;
} & {
  [K in F[number] as K["optional"] extends true ? K["name"] : never]?: ValueOf<K> | undefined;
};
export type MessageOf<T extends Table> = {
  [Tag in keyof T & string]: { tag: Tag } & Values<T[Tag]>;
}[keyof T & string];

/** One field's text → value, checked against the field's range (WireError naming the line otherwise). */
function parseField(line: string, s: FieldSpec, t: string | undefined): unknown {
  const lo = s.min ?? Number.NEGATIVE_INFINITY;
  const hi = s.max ?? Number.POSITIVE_INFINITY;
  switch (s.kind) {
    case "int":
      return integer(line, t, s.name, lo, hi);
    case "dec":
      return decimal(line, t, s.name, lo, hi, s.nan === true);
    case "time":
      return deviceTime(line, t);
    case "flag":
      if (t !== "0" && t !== "1") throw new WireError(line, `${s.name} must be 0 or 1`);
      return t === "1";
    case "word":
      if (t === undefined || !(s.words ?? []).includes(t))
        throw new WireError(line, `${s.name} must be one of ${(s.words ?? []).join("|")}`);
      return t;
    case "text":
      return t ?? "";
  }
}

function formatField(s: FieldSpec, v: unknown): string {
  if (s.kind === "dec") return wireNumber(v as number);
  if (s.kind === "flag") return v ? "1" : "0";
  return String(v);
}

function decodeFields(
  out: Record<string, unknown>,
  line: string,
  label: string,
  f: string[],
  specs: readonly FieldSpec[],
  from: number,
): Record<string, unknown> {
  const required = specs.filter((s) => !s.optional).length;
  const last = specs.at(-1);
  const max = last?.kind === "text" ? Number.POSITIVE_INFINITY : specs.length;
  const n = f.length - from;
  if (n < required || n > max)
    throw new WireError(
      line,
      `'${label}' takes ${required === specs.length ? required : `${required}–${specs.length}`} fields after it, got ${n}`,
    );
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as FieldSpec;
    const t = f[from + i];
    out[s.name] =
      s.kind === "text"
        ? f.slice(from + i).join(" ")
        : t === undefined && s.optional
          ? undefined
          : parseField(line, s, t);
  }
  return out;
}

function encodeFields(head: string, specs: readonly FieldSpec[], msg: Record<string, unknown>): string {
  let line = head;
  for (const s of specs) {
    const v = msg[s.name];
    if (v === undefined && s.optional) break;
    line += ` ${formatField(s, v)}`;
  }
  return line;
}

const isNumeric = (s: FieldSpec) => s.kind === "time" || s.kind === "int" || s.kind === "dec";
/** 10^k, exact for k ≤ 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Most digits a field may have on the fast path: its digits as a whole number stay below 2^53, exact. */
const FAST_DIGITS = 15;

/**
 * The decoder's fast path, for the lines that stream — a tag followed only by numbers (samples, edges): each
 * field read from the line's bytes, with no line or field strings and no Number(). It takes only a line that
 * is plain in every way: exactly one space between fields, each `-?digits(.digits)?` (no `.` in an integer)
 * with at most FAST_DIGITS digits and within its range, optional fields left out only at the end. It writes
 * the fields, in the table's order, into `out` (NaN for an optional field left out: `nan` itself never takes
 * this path) and returns true; for anything else (a reply, `nan`, a malformed or out-of-range field) it
 * returns false, and the general path decodes the line or rejects it with its reason. The values are the
 * general path's: m / 10^k, for a whole m < 2^53 and k ≤ 22, is the decimal correctly rounded, which is what
 * Number() gives (Clinger's fast path). `from` is the first byte after the tag's space, `to` the line's end.
 */
function decodeNumeric(
  b: Uint8Array,
  from: number,
  to: number,
  specs: readonly FieldSpec[],
  out: Float64Array,
): boolean {
  const n = to > from && b[to - 1] === 13 ? to - 1 : to;
  let i = from;
  let k = 0;
  for (;;) {
    const s = specs[k] as FieldSpec;
    const negative = b[i] === 45;
    if (negative) i++;
    const first = i;
    let m = 0;
    let c = b[i] as number;
    for (; i < n && c >= 48 && c <= 57; c = b[++i] as number) m = m * 10 + (c - 48);
    if (i === first) return false;
    let decimals = 0;
    if (i < n && c === 46) {
      if (s.kind !== "dec") return false;
      const fracFrom = ++i;
      c = b[i] as number;
      for (; i < n && c >= 48 && c <= 57; c = b[++i] as number) m = m * 10 + (c - 48);
      decimals = i - fracFrom;
      if (decimals === 0) return false;
    }
    if (i - first - (decimals > 0 ? 1 : 0) > FAST_DIGITS) return false;
    const magnitude = decimals === 0 ? m : m / (POW10[decimals] as number);
    const v = negative ? -magnitude : magnitude;
    const lo = s.kind === "time" ? 0 : (s.min ?? Number.NEGATIVE_INFINITY);
    const hi = s.kind === "time" ? UINT32 - 1 : (s.max ?? Number.POSITIVE_INFINITY);
    if (v < lo || v > hi) return false;
    out[k++] = v;
    if (i === n) break;
    if (k === specs.length || b[i] !== 32) return false;
    i++;
  }
  // Fields left out at the end: optional ones only.
  for (; k < specs.length; k++) {
    if (!(specs[k] as FieldSpec).optional) return false;
    out[k] = Number.NaN;
  }
  return true;
}

/** A line's bytes as the wire carries them (Latin-1; codecs run in browsers too, where there is no Buffer). */
function latin1(line: string): Uint8Array | undefined {
  if (line.length > MAX_LINE_BYTES) return undefined;
  const b = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c > 255) return undefined; // not a wire byte: the general path says why
    b[i] = c;
  }
  return b;
}

/** An event whose fields are all numbers (a sample, an edge): what the fast path can take. */
export interface NumericEvent {
  readonly tag: string;
  readonly specs: readonly FieldSpec[];
  /** The tag's bytes and the space after it. */
  readonly head: Uint8Array;
}

/** The most fields any event has: the size of the array the fast path decodes into. */
export const MAX_FIELDS = 16;

/** The most bytes `encodeNumeric` writes for event `e`. */
export const numericBytes = (e: NumericEvent): number =>
  e.head.length + e.specs.length * (MAX_NUMBER_BYTES + 1);

/**
 * `encode` straight into bytes, for a device that streams numeric events (a simulated camera, a replay): the
 * line `TAG field…` (no newline) written at `at`, its fields in the table's order taken from `f`; NaN in an
 * optional field leaves it and those after it out, as the fast decoder reads them back. The text is encode's
 * (tested). Returns the end; the caller leaves `numericBytes(e)` of room.
 */
export function encodeNumeric(e: NumericEvent, f: ArrayLike<number>, out: Uint8Array, at: number): number {
  // Byte by byte: TypedArray.set costs more than copying a tag's few bytes, and this runs for every line.
  const head = e.head;
  for (let j = 0; j < head.length - 1; j++) out[at++] = head[j] as number; // its space goes before each field
  const specs = e.specs;
  for (let k = 0; k < specs.length; k++) {
    const s = specs[k] as FieldSpec;
    const v = f[k] as number;
    if (Number.isNaN(v) && s.optional) break;
    out[at++] = 32;
    // formatField's spelling (wireNumber for a decimal): a whole number as String(), a fraction as toFixed(4)
    if (s.kind !== "dec" || Number.isInteger(v)) at = writeInteger(out, at, v);
    else at = Number.isNaN(v) ? writeText(out, at, "nan") : writeFixed4(out, at, v);
  }
  return at;
}

/** The index of field `name` among a table's `tag` fields: for reading a sample's fields (`LinePort.samples`) or writing one. */
export function fieldIndex<T extends Table>(table: T, tag: keyof T & string, name: string): number {
  const i = (table[tag] ?? []).findIndex((s) => s.name === name);
  if (i < 0) throw new Error(`no field ${name} in ${tag}`);
  return i;
}

/** Events (device → host): `TAG field…`. */
export function eventCodec<T extends Table>(table: T) {
  const numeric: NumericEvent[] = Object.entries(table)
    .filter(([, specs]) => specs.length > 0 && specs.length <= MAX_FIELDS && specs.every(isNumeric))
    .map(([tag, specs]) => ({ tag, specs, head: latin1(`${tag} `) ?? new Uint8Array() }));
  /** The numeric event whose tag line `b[from..to)` starts with. */
  const numericAt = (b: Uint8Array, from: number, to: number): NumericEvent | undefined => {
    search: for (const e of numeric) {
      const h = e.head;
      if (to - from <= h.length) continue;
      for (let j = 0; j < h.length; j++) if (b[from + j] !== h[j]) continue search;
      return e;
    }
    return undefined;
  };
  const scratch = new Float64Array(MAX_FIELDS);
  const codec = {
    encode: (e: MessageOf<T>): string =>
      encodeFields(e.tag, table[e.tag] ?? [], e as Record<string, unknown>),
    /**
     * The fast path on the line `b[from..to)` (no newline): its numeric event, with the fields in `out`, or
     * undefined where the general path has to decode it.
     */
    decodeBytes(b: Uint8Array, from: number, to: number, out: Float64Array): NumericEvent | undefined {
      if (to - from > MAX_LINE_BYTES) return undefined;
      const e = numericAt(b, from, to);
      return e && decodeNumeric(b, from + e.head.length, to, e.specs, out) ? e : undefined;
    },
    /** The numeric event `tag`, for `encodeNumeric`. */
    numeric(tag: keyof T & string): NumericEvent {
      const e = numeric.find((n) => n.tag === tag);
      if (!e) throw new Error(`event ${tag} has a field that is not a number`);
      return e;
    },
    /** The fields of event `tag`. */
    specs: (tag: string): readonly FieldSpec[] => (Object.hasOwn(table, tag) ? (table[tag] ?? []) : []),
    /** The message of fields the fast path decoded. */
    message(e: NumericEvent, f: Float64Array): MessageOf<T> {
      const out: Record<string, unknown> = { tag: e.tag };
      e.specs.forEach((s, k) => {
        const v = f[k] as number;
        out[s.name] = Number.isNaN(v) ? undefined : v;
      });
      return out as MessageOf<T>;
    },
    /** A reply or an event; throws WireError naming the line for anything else. */
    decode(line: string): Reply | MessageOf<T> {
      const b = latin1(line);
      const fast = b && codec.decodeBytes(b, 0, b.length, scratch);
      return fast ? codec.message(fast, scratch) : codec.decodeInFull(line);
    },
    /** `decode` without its fast path: the reference that path is tested against. */
    decodeInFull(line: string): Reply | MessageOf<T> {
      const f = fields(line);
      const reply = parseReply(line, f);
      if (reply) return reply;
      const tag = f[0] as string;
      // Own keys only: a line starting with "constructor" must not find Object.prototype's.
      const specs = Object.hasOwn(table, tag) ? table[tag] : undefined;
      if (!specs) throw new WireError(line, `unknown event '${tag}'`);
      return decodeFields({ tag }, line, tag, f, specs, 1) as MessageOf<T>;
    },
  };
  return codec;
}

/** Commands (host → device): `@id VERB field…`. */
export function commandCodec<T extends Table>(table: T) {
  return {
    encode: (id: number, c: MessageOf<T>): string =>
      encodeFields(`@${id} ${c.tag}`, table[c.tag] ?? [], c as Record<string, unknown>),
    /** Device side: the command, or WireError (→ `ERR 2`) / null for an unknown verb (→ `ERR 1`). */
    decode(verb: string, args: string[], line: string): MessageOf<T> | null {
      const specs = Object.hasOwn(table, verb) ? table[verb] : undefined;
      if (!specs) return null;
      return decodeFields({ tag: verb }, line, verb, ["", ...args], specs, 1) as MessageOf<T>;
    },
  };
}
