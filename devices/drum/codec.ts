// Stimulus-controller wire protocol (README.md, "Wire protocols", `hokr-drum`; the stripe display adds `SF`).
import { commandCodec, dec, eventCodec, int, type MessageOf, text, time } from "../messages.ts";

export const STIMULUS_COMMANDS = {
  HELLO: [],
  SINE: [dec("amplitudeDeg", 0, 90), dec("frequencyHz", 0, 5)],
  STOP: [],
  RATE: [int("hz", 1, 1000)],
  SF: [dec("cyclesPerDeg", 0, 10)],
  PING: [],
} as const;

export const STIMULUS_EVENTS = {
  /** Pattern position, degrees, positive = rightward. */
  P: [time("deviceUs"), dec("positionDeg", -90, 90)],
  "!": [time("deviceUs"), text("text")],
} as const;

export type StimulusCommand = MessageOf<typeof STIMULUS_COMMANDS>;
export type StimulusEvent = MessageOf<typeof STIMULUS_EVENTS>;
export const stimulusCommands = commandCodec(STIMULUS_COMMANDS);
export const stimulusEvents = eventCodec(STIMULUS_EVENTS);
