// Light-source wire protocol (README.md, "Wire protocols", `hokr-light`): the codec of its description.
import { commandTable, eventTable } from "../description.ts";
import { commandCodec, eventCodec, type MessageOf } from "../messages.ts";
import { LIGHT_SOURCE } from "./description.ts";

export const LIGHT_COMMANDS = commandTable(LIGHT_SOURCE.commands);
export const LIGHT_EVENTS = eventTable(LIGHT_SOURCE.events);

export type LightCommand = MessageOf<typeof LIGHT_COMMANDS>;
export type LightEvent = MessageOf<typeof LIGHT_EVENTS>;
export const lightCommands = commandCodec(LIGHT_COMMANDS);
export const lightEvents = eventCodec(LIGHT_EVENTS);
