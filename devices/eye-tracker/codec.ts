// Eye-tracker wire protocol (README.md, "Wire protocols", `hokr-eye`): the codec of its description. Raw pixel
// frames become degrees with the rig's calibration (./calibration.ts).
import { commandTable, eventTable } from "../description.ts";
import { commandCodec, eventCodec, type MessageOf } from "../messages.ts";
import { EYE_TRACKER } from "./description.ts";

export const EYE_COMMANDS = commandTable(EYE_TRACKER.commands);
export const EYE_EVENTS = eventTable(EYE_TRACKER.events);

export type EyeCommand = MessageOf<typeof EYE_COMMANDS>;
export type EyeEvent = MessageOf<typeof EYE_EVENTS>;
export const eyeCommands = commandCodec(EYE_COMMANDS);
export const eyeEvents = eventCodec(EYE_EVENTS);
