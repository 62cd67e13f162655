// Writes what is derived from the device descriptions: the README's wire-protocol tables (between
// `<!-- wire-table DEVICE -->` markers) and the firmware's constants header (devices/firmware/description.h).
// `npm run describe` writes both; tests/device-descriptions.test.ts fails when a committed copy differs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DeviceDescription, type FieldSpec, rangeText } from "./description.ts";
import { DRUM, DRUM_LIMITS } from "./drum/description.ts";
import { EYE_TRACKER } from "./eye-tracker/description.ts";
import { BOARD, RIG_CONTROLLER } from "./firmware/description.ts";
import { LIGHT_LIMITS, LIGHT_SOURCE } from "./light-source/description.ts";
import { STRIPE_DISPLAY } from "./stripe-display/description.ts";
import { MAX_LINE_BYTES } from "./wire.ts";

export const README = fileURLToPath(new URL("../README.md", import.meta.url));
export const FIRMWARE_HEADER = fileURLToPath(new URL("./firmware/description.h", import.meta.url));

/** Each README table: the device, and the description whose messages it leaves out (already tabled above). */
const TABLES: readonly { of: DeviceDescription; after?: DeviceDescription }[] = [
  { of: LIGHT_SOURCE },
  { of: DRUM },
  { of: STRIPE_DISPLAY, after: DRUM },
  { of: EYE_TRACKER },
  { of: RIG_CONTROLLER },
];

const cell = (s: string) => s.replaceAll("|", "\\|");
const code = (s: string) => `\`${cell(s)}\``;

/** `<a> [<b> [<c>]]`: optional fields nest, as the codec reads them left to right. */
function syntax(fields: readonly FieldSpec[]): string {
  let out = "";
  let open = 0;
  for (const f of fields) {
    if (f.optional) open++;
    out += `${f.optional ? " [" : " "}<${f.label}>`;
  }
  return out + "]".repeat(open);
}

/** "`<ch>` 0–15; `<mW>` 0–20 mW": the ranges and units of the fields that have them. */
function ranges(fields: readonly FieldSpec[]): string {
  return fields
    .filter((f) => f.kind !== "time" && f.kind !== "text" && f.kind !== "flag" && rangeText(f) !== "")
    .map((f) => `\`<${f.label}>\` ${rangeText(f)}${f.nan ? " or `nan`" : ""}${f.doc ? ` (${f.doc})` : ""}`)
    .join("; ");
}

const sentence = (...parts: string[]) => parts.filter((p) => p !== "").join("; ");

/** The markdown table of a device's commands and events. */
export function wireTable(d: DeviceDescription, after?: DeviceDescription): string {
  const rows = ["| message | reply | meaning, units, ranges | errors |", "|---|---|---|---|"];
  for (const [verb, c] of Object.entries(d.commands)) {
    if (after?.commands[verb] && verb !== "HELLO") continue;
    const head = verb === "HELLO" ? ` ${d.device} ${d.version}` : "";
    const reply = `@i OK t${head}${syntax(c.reply ?? [])}`;
    rows.push(
      `| ${code(`@i ${verb}${syntax(c.args)}`)} | ${code(reply)} | ${cell(sentence(c.doc, ranges([...c.args, ...(c.reply ?? [])])))} | ${cell(c.errors ?? "–")} |`,
    );
  }
  for (const [tag, e] of Object.entries(d.events)) {
    if (after?.events[tag]) continue;
    rows.push(
      `| event ${code(`${tag}${syntax(e.fields)}`)} | | ${cell(sentence(e.doc, ranges(e.fields)))} | |`,
    );
  }
  return rows.join("\n");
}

const START = (device: string) =>
  `<!-- wire-table ${device}: generated from its description by \`npm run describe\` -->`;
const END = "<!-- /wire-table -->";

/** The README with every wire table regenerated; throws naming a device whose markers are missing. */
export function withWireTables(readme: string): string {
  let out = readme;
  for (const { of, after } of TABLES) {
    const start = START(of.device);
    const from = out.indexOf(start);
    const to = out.indexOf(END, from);
    if (from < 0 || to < 0)
      throw new Error(`README.md: no '${start}' … '${END}' markers for ${of.device}'s wire table; add them`);
    out = `${out.slice(0, from + start.length)}\n${wireTable(of, after)}\n${out.slice(to)}`;
  }
  return out;
}

type Pin = (typeof BOARD.pins.lightGates)[number] | typeof BOARD.pins.servo;

/** `(_BV(PB1) | _BV(PB2))`: a port's bit mask of these pins, checking they are on that port. */
function portMask(port: "B" | "D", pins: readonly Pin[] | readonly { port: string; bit: number }[]): string {
  const bits = pins.map((p) => {
    if (p.port !== port)
      throw new Error(`description: pin on port ${p.port}, but the firmware drives port ${port}`);
    return `_BV(P${port}${p.bit})`;
  });
  return bits.length === 1 ? (bits[0] as string) : `(${bits.join(" | ")})`;
}

const ul = (n: number) => `${Math.round(n)}UL`;

/** devices/firmware/description.h: the firmware's constants, from the descriptions. */
export function firmwareHeader(): string {
  const L = LIGHT_LIMITS;
  const D = DRUM_LIMITS;
  const b = BOARD;
  const defines: [string, string, string?][] = [
    ["DEVICE_NAME", `"${RIG_CONTROLLER.device}"`, "answered to HELLO"],
    ["PROTOCOL_VERSION", String(RIG_CONTROLLER.version)],
    ["SERIAL_BAUD", ul(b.baud)],
    ["MAX_LINE", String(MAX_LINE_BYTES), "bytes per line, including the '\\n'"],
    ["LINE_TOO_LONG", `"line longer than ${MAX_LINE_BYTES} bytes"`],
    ["LIGHT_CHANNELS", String(b.lightChannels)],
    [
      "GATE_PORTB_MASK",
      portMask("B", b.pins.lightGates),
      `light gates: ${b.pins.lightGates.map((p) => `D${p.arduino} (${p.timer})`).join(", ")}`,
    ],
    [
      "SERVO_PORTB_MASK",
      portMask("B", [b.pins.servo]),
      `drum servo: D${b.pins.servo.arduino} (${b.pins.servo.timer})`,
    ],
    [
      "POWER_PORTD_MASK",
      portMask("D", b.pins.lightPower),
      `light power: ${b.pins.lightPower.map((p) => `D${p.arduino} (${p.timer})`).join(", ")}`,
    ],
    ["POWER_PINS", `{${b.pins.lightPower.map((p) => p.arduino).join(", ")}}`, "Arduino numbers, by channel"],
    ["POWER_FULL_SCALE_UW", ul(L.maxPowerMw * 1000), "power at 100 % PWM: the top of the PWR range"],
    ["LIGHT_TICK_US", String(b.tickUs), "Timer1 at clk/64"],
    ["MIN_EDGE_SPACING_US", ul(L.minEdgeSpacingUs), "shortest pulse and dark time"],
    ["MAX_SPAN_US", ul(L.maxSpanUs), "longest width, period, train or gap"],
    ["MAX_TRAINS", ul(L.maxTrains)],
    ["TRAIN_LEAD_US", ul(b.trainLeadUs), "TRAIN's first pulse starts this long after the command runs"],
    ["HOST_WATCHDOG_DEFAULT_MS", ul(L.watchdogDefaultMs)],
    ["HOST_WATCHDOG_MAX_MS", ul(L.watchdogMaxMs)],
    ["SERVO_CENTRE_US", String(b.servoCentreUs), "servo pulse width at position 0"],
    ["SERVO_US_PER_DEG", String(b.servoUsPerDeg)],
    ["SERVO_TICK_US", String(b.servoTickUs), "Timer2 at clk/32"],
    ["SERVO_FRAME_US", String(b.servoFrameUs)],
    ["DRUM_MAX_AMP_DEG", String(D.maxAmplitudeDeg)],
    ["DRUM_MIN_FREQ_UHZ", ul(D.minFrequencyHz * 1e6)],
    ["DRUM_MAX_FREQ_UHZ", ul(D.maxFrequencyHz * 1e6)],
    ["DRUM_MIN_RATE_MHZ", ul(D.minRateHz * 1e3)],
    ["DRUM_MAX_RATE_MHZ", ul(D.maxRateHz * 1e3)],
    ["DRUM_DEFAULT_RATE_MHZ", ul(D.defaultRateHz * 1e3)],
    ["BAD_POWER", `"power (0-${L.maxPowerMw} mW)"`, "ERR 2 texts"],
    [
      "BAD_TRAIN",
      `"train (width >= ${L.minEdgeSpacingUs} us, dark >= ${L.minEdgeSpacingUs} us between pulses and before the next train)"`,
    ],
    ["BAD_WATCHDOG", `"watchdog time (0-${L.watchdogMaxMs} ms)"`],
    ["BAD_AMPLITUDE", `"amplitude (0-${D.maxAmplitudeDeg} deg)"`],
    ["BAD_FREQUENCY", `"frequency (${D.minFrequencyHz}-${D.maxFrequencyHz} Hz)"`],
    ["BAD_RATE", `"rate (${D.minRateHz}-${D.maxRateHz} Hz)"`],
  ];
  const lines = defines.flatMap(([n, v, why]) => [...(why ? [`// ${why}`] : []), `#define ${n} ${v}`]);
  return [
    "// Generated from devices/firmware/description.ts by `npm run describe`: do not edit.",
    "#pragma once",
    "#include <avr/io.h>",
    "",
    ...lines,
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(FIRMWARE_HEADER, firmwareHeader());
  writeFileSync(README, withWireTables(readFileSync(README, "utf8")));
  console.log(`wrote ${FIRMWARE_HEADER} and the wire tables in ${README}`);
}
