// Table-driven codecs: a device description (description.ts) lists its commands and events as fields with
// kinds and ranges, and these two functions turn such a table into the encoder and the validating decoder —
// one definition, both directions, so host drivers, simulated devices and firmware tests never disagree.
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
 * field read from the line's character codes, with no field strings and no Number(). It takes only a line that
 * is plain in every way: exactly one space between fields, each `-?digits(.digits)?` (no `.` in an integer)
 * with at most FAST_DIGITS digits and within its range, optional fields left out only at the end. For anything
 * else (a reply, `nan`, a malformed or out-of-range field) it returns undefined, and the general path decodes
 * the line or rejects it with its reason. The values are the general path's: m / 10^k, for a whole m < 2^53
 * and k ≤ 22, is the decimal correctly rounded, which is what Number() gives (Clinger's fast path).
 */
function decodeNumeric(
  line: string,
  tag: string,
  specs: readonly FieldSpec[],
): Record<string, unknown> | undefined {
  const n = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
  if (n > MAX_LINE_BYTES) return undefined;
  const out: Record<string, unknown> = { tag };
  let i = tag.length + 1;
  let k = 0;
  for (;;) {
    const s = specs[k++] as FieldSpec;
    const negative = line.charCodeAt(i) === 45;
    if (negative) i++;
    const from = i;
    let m = 0;
    let c = line.charCodeAt(i);
    for (; i < n && c >= 48 && c <= 57; c = line.charCodeAt(++i)) m = m * 10 + (c - 48);
    if (i === from) return undefined;
    let decimals = 0;
    if (i < n && c === 46) {
      if (s.kind !== "dec") return undefined;
      const fracFrom = ++i;
      c = line.charCodeAt(i);
      for (; i < n && c >= 48 && c <= 57; c = line.charCodeAt(++i)) m = m * 10 + (c - 48);
      decimals = i - fracFrom;
      if (decimals === 0) return undefined;
    }
    if (i - from - (decimals > 0 ? 1 : 0) > FAST_DIGITS) return undefined;
    const magnitude = decimals === 0 ? m : m / (POW10[decimals] as number);
    const v = negative ? -magnitude : magnitude;
    const lo = s.kind === "time" ? 0 : (s.min ?? Number.NEGATIVE_INFINITY);
    const hi = s.kind === "time" ? UINT32 - 1 : (s.max ?? Number.POSITIVE_INFINITY);
    if (v < lo || v > hi) return undefined;
    out[s.name] = v;
    if (i === n) break;
    if (k === specs.length || line.charCodeAt(i) !== 32) return undefined;
    i++;
  }
  // Fields left out at the end: optional ones only, present as undefined as the general path has them.
  for (; k < specs.length; k++) {
    const s = specs[k] as FieldSpec;
    if (!s.optional) return undefined;
    out[s.name] = undefined;
  }
  return out;
}

/** Events (device → host): `TAG field…`. */
export function eventCodec<T extends Table>(table: T) {
  // The events whose fields are all numbers, by tag: the ones decodeNumeric can take.
  const numeric = new Map(
    Object.entries(table).filter(([, specs]) => specs.length > 0 && specs.every(isNumeric)),
  );
  const codec = {
    encode: (e: MessageOf<T>): string =>
      encodeFields(e.tag, table[e.tag] ?? [], e as Record<string, unknown>),
    /** A reply or an event; throws WireError naming the line for anything else. */
    decode(line: string): Reply | MessageOf<T> {
      const space = line.indexOf(" ");
      const tag = space > 0 ? line.slice(0, space) : "";
      const specs = numeric.get(tag);
      const fast = specs && decodeNumeric(line, tag, specs);
      return fast ? (fast as MessageOf<T>) : codec.decodeInFull(line);
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
