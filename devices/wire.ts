// The framing every hokr device shares (README.md, "Wire protocols"): sans-IO, pure functions between text lines
// and typed messages. Device codecs build on these; nothing here touches a port.

/** A line that does not follow the protocol. Names the line so the user can find it in a capture. */
export class WireError extends Error {
  constructor(
    readonly line: string,
    readonly reason: string,
  ) {
    super(`malformed line ${JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line)}: ${reason}`);
  }
}

export const MAX_LINE_BYTES = 120;
export const UINT32 = 2 ** 32;

export type Reply =
  | { kind: "ok"; id: number; deviceUs: number; values: string[] }
  | { kind: "err"; id: number; code: number; text: string };

/** Splits a line into fields, after checking the framing every device shares (one pass over the bytes). */
export function fields(line: string): string[] {
  const n = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
  if (n === 0) throw new WireError(line, "empty line");
  if (n > MAX_LINE_BYTES) throw new WireError(line, `longer than ${MAX_LINE_BYTES} bytes`);
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      if (i === start) throw new WireError(line, "fields must be separated by exactly one space");
      out.push(line.slice(start, i));
      start = i + 1;
    } else if (c < 32 || c > 126) throw new WireError(line, "contains non-printable bytes");
  }
  if (start === n) throw new WireError(line, "fields must be separated by exactly one space");
  out.push(line.slice(start, n));
  return out;
}

/** True for `-?digits(.digits)?`: no exponent, no hex, no blanks, no Infinity (Number() accepts all of those). */
function isDecimal(t: string): boolean {
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  const digitsFrom = i;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  if (i === digitsFrom) return false;
  if (i === t.length) return true;
  if (t.charCodeAt(i) !== 46) return false;
  const fracFrom = ++i;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  return i === t.length && i > fracFrom;
}

/** A decimal number field within [min, max]; `nan` allowed only when `allowNaN`. */
export function decimal(
  line: string,
  field: string | undefined,
  what: string,
  min: number,
  max: number,
  allowNaN = false,
): number {
  if (field === undefined) throw new WireError(line, `missing ${what}`);
  if (field === "nan") {
    if (allowNaN) return Number.NaN;
    throw new WireError(line, `${what} is nan`);
  }
  if (!isDecimal(field)) throw new WireError(line, `${what} '${field}' is not a decimal number`);
  const v = Number(field);
  if (v < min || v > max) throw new WireError(line, `${what} ${field} outside ${min}…${max}`);
  return v;
}

export function integer(
  line: string,
  field: string | undefined,
  what: string,
  min: number,
  max: number,
): number {
  const v = decimal(line, field, what, min, max);
  if (field?.includes(".")) throw new WireError(line, `${what} '${field}' is not an integer`);
  return v;
}

export const deviceTime = (line: string, field: string | undefined) =>
  integer(line, field, "device time", 0, UINT32 - 1);

export function fieldCount(line: string, f: string[], min: number, max = min): void {
  if (f.length < min || f.length > max)
    throw new WireError(line, `expected ${min === max ? min : `${min}–${max}`} fields, got ${f.length}`);
}

/** Parses `@<id> OK <t_us> [values…]` / `@<id> ERR <code> <text…>`; null if the line is not a reply. */
export function parseReply(line: string, f: string[]): Reply | null {
  const head = f[0] as string;
  if (!head.startsWith("@")) return null;
  const id = integer(line, head.slice(1), "command id", 1, 65535);
  if (f[1] === "OK") {
    fieldCount(line, f, 3, 16);
    return { kind: "ok", id, deviceUs: deviceTime(line, f[2]), values: f.slice(3) };
  }
  if (f[1] === "ERR") {
    fieldCount(line, f, 3, 64);
    return { kind: "err", id, code: integer(line, f[2], "error code", 1, 99), text: f.slice(3).join(" ") };
  }
  throw new WireError(line, `reply must be OK or ERR, got '${f[1] ?? ""}'`);
}

/** `@<id> VERB args…` */
export const formatCommand = (id: number, verb: string, args: readonly (string | number)[] = []): string =>
  [`@${id}`, verb, ...args.map(String)].join(" ");

export const formatOk = (id: number, deviceUs: number, values: readonly (string | number)[] = []): string =>
  [`@${id}`, "OK", deviceUs, ...values].join(" ");

export const formatErr = (id: number, code: number, text: string): string => `@${id} ERR ${code} ${text}`;

/** A command as a device receives it. */
export interface Command {
  id: number;
  verb: string;
  args: string[];
}

export function parseCommand(line: string): Command {
  const f = fields(line);
  const head = f[0] as string;
  if (!head.startsWith("@")) throw new WireError(line, "commands start with @<id>");
  fieldCount(line, f, 2, 16);
  return { id: integer(line, head.slice(1), "command id", 1, 65535), verb: f[1] as string, args: f.slice(2) };
}

/** Number with at most `digits` decimals and no exponent, as the protocol wants (|x| < 1e21). */
export const wireNumber = (x: number, digits = 4): string =>
  Number.isNaN(x) ? "nan" : Number.isInteger(x) ? String(x) : x.toFixed(digits);
