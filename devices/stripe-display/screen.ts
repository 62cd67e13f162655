// The stripe display's screen geometry (a rig configuration's `devices.stimulus.screen`) and the one place
// that turns degrees of visual angle into screen pixels — used by the browser page that draws the stripes and
// by the tests that measure them.
import { z } from "zod";

export const ScreenGeometry = z.strictObject({
  /** Eye-to-screen distance, perpendicular to the screen at its centre, cm. */
  viewingDistanceCm: z.number().positive(),
  /** Width of the visible picture, cm (measured on the screen). */
  widthCm: z.number().positive(),
  /** Horizontal resolution the page is shown at, device pixels. */
  widthPx: z.number().int().positive(),
  /** Stripe profile: hard-edged bars or a sinusoidal luminance profile. */
  grating: z.enum(["square", "sine"]).default("square"),
  /** Michelson contrast of the stripes, 0–1. */
  contrast: z.number().gt(0).max(1).default(1),
  /** Side of the photodiode patch in the top-left corner, device pixels (0 = none). */
  photodiodePx: z.number().int().nonnegative().default(40),
});
export type ScreenGeometry = z.infer<typeof ScreenGeometry>;

/**
 * Pixels per degree of visual angle at the screen centre:
 *   px/deg = (widthPx / widthCm) · 2 · D · tan(0.5°),   D = viewing distance (cm)
 * i.e. the width in pixels of the 1° arc centred on the line of sight. Stripes and motion are laid out
 * with this one scale (the flat screen's distortion away from the centre is not corrected).
 */
export const pixelsPerDegree = (
  s: Pick<ScreenGeometry, "viewingDistanceCm" | "widthCm" | "widthPx">,
): number => (s.widthPx / s.widthCm) * 2 * s.viewingDistanceCm * Math.tan(Math.PI / 360);

/** Stripe period on the screen, device pixels, for a spatial frequency in cycles per degree. */
export const stripePeriodPx = (s: ScreenGeometry, cyclesPerDeg: number): number =>
  pixelsPerDegree(s) / cyclesPerDeg;
