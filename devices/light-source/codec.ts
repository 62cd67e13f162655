// Light-source wire protocol (README.md, "Wire protocols", `hokr-light`): commands and events as tables.
import { commandCodec, dec, eventCodec, flag, int, type MessageOf, text, time } from "../messages.ts";

const channel = int("channel", 0, 15);
const US = 4_294_967_295;

export const LIGHT_COMMANDS = {
  HELLO: [],
  PWR: [channel, dec("powerMw", 0, 1000)],
  ON: [channel],
  OFF: [channel],
  ALLOFF: [],
  TRAIN: [
    channel,
    int("widthUs", 1, US),
    int("periodUs", 2, US),
    int("trainUs", 0, US),
    int("gapUs", 0, US),
    int("trains", 0, 1_000_000),
  ],
  WDG: [int("ms", 0, 3_600_000)],
  PING: [],
} as const;

export const LIGHT_EVENTS = {
  /** Edge: channel went on (true) or off. */
  E: [time("deviceUs"), channel, flag("on")],
  /** Watchdog fired: every channel off. */
  W: [time("deviceUs")],
  "!": [time("deviceUs"), text("text")],
} as const;

export type LightCommand = MessageOf<typeof LIGHT_COMMANDS>;
export type LightEvent = MessageOf<typeof LIGHT_EVENTS>;
export const lightCommands = commandCodec(LIGHT_COMMANDS);
export const lightEvents = eventCodec(LIGHT_EVENTS);
