// What a device description holds (in the manner of Harp's device.yml): every command with its arguments and
// reply values, every event with its fields, each field with its unit and range, and the device's constants.
// Each device kind writes one description (devices/<kind>/description.ts, devices/firmware/description.ts);
// the host codecs (messages.ts), the simulated devices' limits, the README's wire-protocol tables and the
// firmware's constants header (devices/generate.ts) are all derived from it.

export type FieldKind =
  /** Decimal integer. */
  | "int"
  /** Decimal number with a fraction (no exponent); `nan` only where `nan` is true. */
  | "dec"
  /** Device clock, µs: unsigned 32-bit, wrapping. */
  | "time"
  /** `0` or `1`. */
  | "flag"
  /** One of `words`. */
  | "word"
  /** Free text to the end of the line. */
  | "text";

export interface FieldSpec {
  /** Property name in the typed message. */
  readonly name: string;
  /** Placeholder in the README's tables, e.g. `mW` → `<mW>`. */
  readonly label: string;
  readonly kind: FieldKind;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly nan?: boolean;
  readonly optional?: boolean;
  readonly words?: readonly string[];
  readonly doc?: string;
}

export interface CommandSpec {
  readonly args: readonly FieldSpec[];
  /** Values of the OK reply after its device time (none for most commands). */
  readonly reply?: readonly FieldSpec[];
  readonly doc: string;
  /** When the device answers `ERR`, e.g. "`2` channel or power out of range". */
  readonly errors?: string;
}

export interface EventSpec {
  readonly fields: readonly FieldSpec[];
  readonly doc: string;
  /**
   * One frame of a sample stream. A frame whose timestamp the clock alignment rejects is dropped (counted),
   * the stream goes on without it; any other event the device reports is kept, placed by its arrival.
   */
  readonly sample?: true;
}

export interface DeviceDescription {
  /** Name the device gives in its HELLO reply. */
  readonly device: string;
  readonly version: number;
  /**
   * The device's lines cross a UART at this baud (e.g. an Uno's USB bridge): a line of n bytes cannot reach
   * the host sooner than n · 10 / baud s after the device stamped it, which the clock alignment subtracts.
   */
  readonly uartBaud?: number;
  readonly commands: Readonly<Record<string, CommandSpec>>;
  readonly events: Readonly<Record<string, EventSpec>>;
}

/** The device clock field every event starts with. */
export const DEVICE_TIME = { name: "deviceUs", label: "t_us", kind: "time", unit: "µs" } as const;
/** A device message (`! <t_us> <text>`), which every device may send. */
export const MESSAGE_EVENT = {
  fields: [DEVICE_TIME, { name: "text", label: "text", kind: "text" }],
  doc: "device message, e.g. `! 12 boot` after reset",
} as const;
/** Commands every device answers. */
export const PING = { args: [], doc: "keep-alive" } as const;

/** The argument tables of a description's commands (the codecs' input). */
export const commandTable = <C extends Readonly<Record<string, CommandSpec>>>(commands: C) =>
  Object.fromEntries(Object.entries(commands).map(([verb, c]) => [verb, c.args])) as {
    [V in keyof C]: C[V]["args"];
  };

export const eventTable = <E extends Readonly<Record<string, EventSpec>>>(events: E) =>
  Object.fromEntries(Object.entries(events).map(([tag, e]) => [tag, e.fields])) as {
    [T in keyof E]: E[T]["fields"];
  };

/** `lo–hi unit` for a field with a range, as the README and error messages print it. */
export function rangeText(f: FieldSpec): string {
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.kind === "word") return (f.words ?? []).join(" | ");
  if (f.min === undefined || f.max === undefined) return f.unit ?? "";
  return `${f.min.toLocaleString("en-US").replaceAll(",", " ")}–${f.max.toLocaleString("en-US").replaceAll(",", " ")}${unit}`;
}
