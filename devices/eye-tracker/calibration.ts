// A video eye tracker's pixel → degree calibration: part of a rig configuration, kept apart from the codec so
// that reading a rig configuration loads no codec.
import { z } from "zod";

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
