// Eye-tracker wire protocol (README.md, "Wire protocols", `hokr-eye`): the codec of its description; and the conversion of raw pixel frames to
// degrees with the rig's calibration.
import { z } from "zod";
import { commandTable, eventTable } from "../description.ts";
import { commandCodec, eventCodec, type MessageOf } from "../messages.ts";
import { EYE_TRACKER } from "./description.ts";

export const EYE_COMMANDS = commandTable(EYE_TRACKER.commands);
export const EYE_EVENTS = eventTable(EYE_TRACKER.events);

export type EyeCommand = MessageOf<typeof EYE_COMMANDS>;
export type EyeEvent = MessageOf<typeof EYE_EVENTS>;
export const eyeCommands = commandCodec(EYE_COMMANDS);
export const eyeEvents = eventCodec(EYE_EVENTS);

/**
 * Pixel → degree calibration of a video eye tracker.
 * - `pixels-per-degree`: x = (pupil − cr) / pxPerDeg  (small angles; linear)
 * - `stahl`: x = asin((pupil − cr) / Rp) in degrees, Rp = radius of pupil rotation in pixels (Stahl 2000),
 *   measured by rotating the camera about the eye.
 * Pupil minus corneal reflection cancels camera/head translation.
 */
export const EyeCalibration = z.discriminatedUnion("method", [
  z.strictObject({ method: z.literal("pixels-per-degree"), pxPerDeg: z.number().positive() }),
  z.strictObject({ method: z.literal("stahl"), rpPx: z.number().positive() }),
]);
export type EyeCalibration = z.infer<typeof EyeCalibration>;

export function pixelsToDegrees(pupilPx: number, crPx: number, c: EyeCalibration): number {
  const d = pupilPx - crPx;
  if (c.method === "pixels-per-degree") return d / c.pxPerDeg;
  const s = d / c.rpPx;
  return Math.abs(s) > 1 ? Number.NaN : (Math.asin(s) * 180) / Math.PI;
}
