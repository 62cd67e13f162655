// Declarative message tables: each device codec lists its commands and events as fields with ranges, and
// these two functions turn a table into the encoder and the validating decoder — one definition, both
// directions, so host drivers, simulated devices and firmware tests can never disagree on a format.
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

export interface Field<N extends string, T> {
  name: N;
  optional: boolean;
  parse(line: string, text: string | undefined): T;
  format(value: T): string;
}

const field = <N extends string, T>(name: N, parse: Field<N, T>["parse"], format: Field<N, T>["format"]) => ({
  name,
  optional: false,
  parse,
  format,
  opt(): Field<N, T | undefined> {
    return {
      name,
      optional: true,
      parse: (line, text) => (text === undefined ? undefined : parse(line, text)),
      format: (v) => (v === undefined ? "" : format(v)),
    };
  },
});

export const int = <N extends string>(name: N, min: number, max: number) =>
  field(name, (line, t) => integer(line, t, name, min, max), String);
export const dec = <N extends string>(name: N, min: number, max: number, allowNaN = false) =>
  field(
    name,
    (line, t) => decimal(line, t, name, min, max, allowNaN),
    (v: number) => wireNumber(v),
  );
export const time = <N extends string>(name: N) => field(name, deviceTime, String);
export const flag = <N extends string>(name: N) =>
  field(
    name,
    (line, t) => {
      if (t !== "0" && t !== "1") throw new WireError(line, `${name} must be 0 or 1`);
      return t === "1";
    },
    (v: boolean) => (v ? "1" : "0"),
  );
export const word = <N extends string, W extends string>(name: N, words: readonly W[]) =>
  field(
    name,
    (line, t) => {
      if (!words.includes(t as W)) throw new WireError(line, `${name} must be one of ${words.join("|")}`);
      return t as W;
    },
    (v: W) => v,
  );
/** Free text to the end of the line. */
export const text = <N extends string>(name: N) => ({
  ...field(
    name,
    (_l, t) => t ?? "",
    (v: string) => v,
  ),
  rest: true,
});

// biome-ignore lint/suspicious/noExplicitAny: field tables are heterogeneous by design
type AnyField = Field<string, any> & { rest?: boolean };
export type Table = Record<string, readonly AnyField[]>;

type Values<F extends readonly AnyField[]> = { [K in F[number] as K["name"]]: ReturnType<K["parse"]> };
export type MessageOf<T extends Table> = {
  [Tag in keyof T & string]: { tag: Tag } & Values<T[Tag]>;
}[keyof T & string];

function decodeFields(
  out: Record<string, unknown>,
  line: string,
  label: string,
  f: string[],
  specs: readonly AnyField[],
  from: number,
): Record<string, unknown> {
  const required = specs.filter((s) => !s.optional).length;
  const last = specs.at(-1);
  const max = last?.rest ? Number.POSITIVE_INFINITY : specs.length;
  const n = f.length - from;
  if (n < required || n > max)
    throw new WireError(
      line,
      `'${label}' takes ${required === specs.length ? required : `${required}–${specs.length}`} fields after it, got ${n}`,
    );
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as AnyField;
    out[s.name] = s.rest ? f.slice(from + i).join(" ") : s.parse(line, f[from + i]);
  }
  return out;
}

function encodeFields(head: string, specs: readonly AnyField[], msg: Record<string, unknown>): string {
  let line = head;
  for (const s of specs) {
    const v = msg[s.name];
    if (v === undefined && s.optional) break;
    line += ` ${s.format(v)}`;
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
