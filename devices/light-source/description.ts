// The `hokr-light` light source, as data: its commands, events, units, ranges and limits. The codec
// (codec.ts), the pulse-train rule (pulse-train.ts), the simulated controller (mocks/devices/light-controller.ts),
// the README's tables and the rig firmware's header (via devices/firmware/description.ts) derive from it.
import { DEVICE_TIME, type DeviceDescription, MESSAGE_EVENT, PING } from "../description.ts";

/** Limits every hokr light source keeps, whatever drives it (controller, firmware, simulator). */
export const LIGHT_LIMITS = {
  /** Channels a controller may have (numbered from 0). */
  maxChannels: 16,
  /** Power at the fibre tip the `PWR` command accepts, mW (the firmware's full scale). */
  maxPowerMw: 20,
  /** Shortest pulse and shortest dark time between pulses and before the next train, µs. */
  minEdgeSpacingUs: 100,
  /** Longest width, period, train or gap, µs: keeps every schedule difference inside a signed 32-bit range. */
  maxSpanUs: 2_000_000_000,
  /** Largest train count (0 = until `OFF`). */
  maxTrains: 4_294_967_295,
  /** Host-silence watchdog, ms: at power-up, and the largest settable. */
  watchdogDefaultMs: 2000,
  watchdogMaxMs: 3_600_000,
} as const;

const L = LIGHT_LIMITS;
export const channelField = (channels: number) =>
  ({ name: "channel", label: "ch", kind: "int", min: 0, max: channels - 1 }) as const;
const channel = channelField(L.maxChannels);
const span = <N extends string>(name: N, label: string, min: number, doc: string) =>
  ({ name, label, kind: "int", unit: "µs", min, max: L.maxSpanUs, doc }) as const;

export const LIGHT_SOURCE = {
  device: "hokr-light",
  version: 1,
  commands: {
    HELLO: {
      args: [],
      reply: [{ name: "channels", label: "channels", kind: "int", min: 1, max: L.maxChannels }],
      doc: "identify; `<channels>` = number of channels (numbered from 0)",
    },
    PWR: {
      args: [channel, { name: "powerMw", label: "mW", kind: "dec", unit: "mW", min: 0, max: L.maxPowerMw }],
      doc: "set the power a channel emits when on",
      errors: "`2` channel or power out of range",
    },
    ON: { args: [channel], doc: "channel on, continuously, until `OFF`", errors: "`2` channel" },
    OFF: { args: [channel], doc: "channel off; cancels its pulse train", errors: "`2` channel" },
    ALLOFF: { args: [], doc: "every channel off" },
    TRAIN: {
      args: [
        channel,
        span("widthUs", "width_us", L.minEdgeSpacingUs, "pulse width"),
        span("periodUs", "period_us", 2 * L.minEdgeSpacingUs, "pulse onset to next onset"),
        span(
          "trainUs",
          "train_us",
          0,
          "a train holds the pulses that start within it; 0 = one endless train",
        ),
        span("gapUs", "gap_us", 0, "dark time after each train"),
        { name: "trains", label: "trains", kind: "int", min: 0, max: L.maxTrains, doc: "0 = until `OFF`" },
        {
          name: "startUs",
          label: "start_us",
          kind: "time",
          optional: true,
          doc: "device time of the first pulse, so a host can send the train ahead of its start; a time already past (or more than 2³¹ µs ahead) starts it at once",
        },
      ],
      doc: "device-timed pulses (the rule of `devices/light-source/pulse-train.ts`): pulse *k* of train *j* starts at `t + j·(train_us + gap_us) + k·period_us` and lasts `width_us` whole; the channel goes off at once (its previous pattern cancelled); the reply's `t`, like every line's, is when the device sent it (the clock alignment relies on it), and the first pulse's onset comes as its `E` report",
      errors: `\`2\` unless \`period_us − width_us\` ≥ ${L.minEdgeSpacingUs} and, for repeated trains, the last pulse of a train ends ≥ ${L.minEdgeSpacingUs} µs before the next train starts`,
    },
    WDG: {
      args: [{ name: "ms", label: "ms", kind: "int", unit: "ms", min: 0, max: L.watchdogMaxMs }],
      doc: `host-silence watchdog: if no command arrives for \`<ms>\`, every channel goes off (0 disables; ${L.watchdogDefaultMs} at power-up)`,
      errors: "`2`",
    },
    PING: { ...PING, doc: "keep-alive (any command resets the watchdog)" },
  },
  events: {
    E: {
      fields: [DEVICE_TIME, channel, { name: "on", label: "0|1", kind: "flag" }],
      doc: "channel `<ch>` went off (0) or on (1) at `t_us` — every edge, pulses included",
    },
    W: { fields: [DEVICE_TIME], doc: "the watchdog fired: every channel is off" },
    "!": { ...MESSAGE_EVENT, doc: "device message, e.g. `! 12 boot` after reset (every channel starts off)" },
  },
} as const satisfies DeviceDescription;
