// Stimulus-controller wire protocol (README.md, "Wire protocols", `hokr-drum`): the codec of the stripe
// display's description, which is the drum's plus `SF`, so that one codec serves both drivers.
import { commandTable, eventTable } from "../description.ts";
import { commandCodec, eventCodec, type MessageOf } from "../messages.ts";
import { STRIPE_DISPLAY } from "../stripe-display/description.ts";

export const STIMULUS_COMMANDS = commandTable(STRIPE_DISPLAY.commands);
export const STIMULUS_EVENTS = eventTable(STRIPE_DISPLAY.events);

export type StimulusCommand = MessageOf<typeof STIMULUS_COMMANDS>;
export type StimulusEvent = MessageOf<typeof STIMULUS_EVENTS>;
export const stimulusCommands = commandCodec(STIMULUS_COMMANDS);
export const stimulusEvents = eventCodec(STIMULUS_EVENTS);
