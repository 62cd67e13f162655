// The Firmata drum servo's configuration (a rig configuration's `devices.stimulus.servo`): kept apart from the
// driver so that reading a rig configuration does not load johnny-five.
import { z } from "zod";
import { SERVO_MIN_PULSE_US } from "../firmata-board/standard-firmata.ts";

const servoDeg = z.number().min(0).max(180);

export const FirmataServoConfig = z
  .strictObject({
    /** Board pin the servo's signal wire is on. */
    pin: z.number().int().nonnegative(),
    /** Servo angle with the drum at stimulus position 0, servo degrees. */
    centreDeg: servoDeg.default(90),
    /** Servo degrees per degree of drum rotation (gearing); negative if the servo turns the drum the other way. */
    degreesPerStimulusDegree: z
      .number()
      .refine((s) => s !== 0, { message: "must not be 0" })
      .default(1),
    /** Servo angles the mechanism allows, [min, max] servo degrees; johnny-five never commands outside it. */
    range: z.tuple([servoDeg, servoDeg]).default([0, 180]),
    /**
     * Servo pulse widths at 0° and 180°, µs (see the servo's datasheet). At least SERVO_MIN_PULSE_US (544):
     * StandardFirmata reads a servo write below that as an angle in degrees, not a pulse width.
     */
    pwmRangeUs: z
      .tuple([
        z
          .number()
          .int()
          .min(SERVO_MIN_PULSE_US, {
            message: `StandardFirmata reads servo values below ${SERVO_MIN_PULSE_US} as degrees, not µs: use ${SERVO_MIN_PULSE_US} µs or more`,
          }),
        z.number().int().max(2600),
      ])
      .default([600, 2400]),
    /** Position updates per second, Hz. A hobby servo takes a new pulse width 50 times a second. */
    updateRateHz: z.number().positive().max(200).default(50),
  })
  .refine((c) => c.range[0] <= c.centreDeg && c.centreDeg <= c.range[1], {
    message: "centreDeg must lie within range",
    path: ["centreDeg"],
  });
export type FirmataServoConfig = z.input<typeof FirmataServoConfig>;
