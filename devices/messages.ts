// Table-driven codecs: a device description (description.ts) lists its commands and events as fields with
// kinds and ranges, and these two functions turn such a table into the encoder and the validating decoder —
// one definition, both directions, so host drivers, simulated devices and firmware tests never disagree.
import type { FieldSpec } from "./description.ts";
import {
  decimal,
  deviceTime,
  fields,
  integer,
  parseReply,
  type Reply,
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

/** How many fields a message takes after its tag: its required ones, and at most (a trailing text takes any). */
const arities = new WeakMap<readonly FieldSpec[], { required: number; max: number }>();
function arity(specs: readonly FieldSpec[]): { required: number; max: number } {
  let a = arities.get(specs);
  if (!a) {
    a = {
      required: specs.filter((s) => !s.optional).length,
      max: specs.at(-1)?.kind === "text" ? Number.POSITIVE_INFINITY : specs.length,
    };
    arities.set(specs, a);
  }
  return a;
}

function decodeFields(
  out: Record<string, unknown>,
  line: string,
  label: string,
  f: string[],
  specs: readonly FieldSpec[],
  from: number,
): Record<string, unknown> {
  // Every sample line comes through here: the arity is worked out once per message, not once per line.
  const { required, max } = arity(specs);
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

/** Events (device → host): `TAG field…`. */
export function eventCodec<T extends Table>(table: T) {
  return {
    encode: (e: MessageOf<T>): string =>
      encodeFields(e.tag, table[e.tag] ?? [], e as Record<string, unknown>),
    /** A reply or an event; throws WireError naming the line for anything else. */
    decode(line: string): Reply | MessageOf<T> {
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
