// The rig configuration: which light channels exist and the safety limits the rig owner sets for them.
// Protocols are checked against it before anything is switched on.
import { z } from "zod";
import { FirmataServoConfig } from "../../devices/drum/servo-config.ts";
import { EyeCalibration } from "../../devices/eye-tracker/calibration.ts";
import { FIRMATA_HANDSHAKE_MS, servoTimerConflict } from "../../devices/firmata-board/standard-firmata.ts";
import { LIGHT_LIMITS } from "../../devices/light-source/description.ts";
import { STRIPE_PAGE_PATH } from "../../devices/stripe-display/page-binding.ts";
import { ScreenGeometry } from "../../devices/stripe-display/screen.ts";

export const LightLimits = z.strictObject({
  /** Highest power a protocol may ask for, mW at the fibre tip. */
  maxPowerMw: z.number().positive().default(LIGHT_LIMITS.maxPowerMw),
  /** Highest long-run fraction of time on (pulse width / period × train fraction), 0–1. */
  maxDutyCycle: z.number().gt(0).max(1).default(0.5),
  /** Longest single stretch of light, s (tissue heating). */
  maxContinuousOnS: z.number().positive().default(10),
});
export type LightLimits = z.infer<typeof LightLimits>;

export const LightChannel = z.strictObject({
  name: z.string().min(1),
  /** LED/laser centre wavelength, nm. */
  wavelengthNm: z.number().min(350).max(800),
  limits: LightLimits.default(LightLimits.parse({})),
  /** Channel number on a hokr light controller (default: position in this list). */
  index: z.number().int().nonnegative().optional(),
  /** Firmata backend: the PWM pin driving the LED driver's modulation input. */
  pin: z.number().int().nonnegative().optional(),
  /** Firmata backend: power at full brightness (PWM 255), mW, measured with a power meter. */
  fullScalePowerMw: z.number().positive().optional(),
});
export type LightChannel = z.infer<typeof LightChannel>;

/**
 * Where a device is plugged in. A path alone is fragile (a replug can turn ttyACM0 into ttyACM1); a USB
 * serial number or vendor:product id finds the device wherever it lands.
 */
export const PortRef = z
  .strictObject({
    path: z.string().min(1).optional(),
    serialNumber: z.string().min(1).optional(),
    /** USB vendor:product, hex, e.g. "2341:0043" (Arduino Uno). */
    usb: z
      .string()
      .regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/, { message: "use vendor:product in hex, e.g. 2341:0043" })
      .optional(),
    baudRate: z.number().int().positive().default(115200),
  })
  .refine((p) => p.path !== undefined || p.serialNumber !== undefined || p.usb !== undefined, {
    message: "give the port's path, serialNumber or usb (vendor:product)",
  });
export type PortRef = z.infer<typeof PortRef>;

/** Whether two port references name the same device. */
const sameBoard = (a: PortRef, b: PortRef): boolean =>
  a.path === b.path && a.serialNumber === b.serialNumber && a.usb === b.usb;

export const RigDevices = z.strictObject({
  light: z.strictObject({ port: PortRef, backend: z.enum(["line", "firmata"]).default("line") }),
  stimulus: z.strictObject({
    kind: z.enum(["drum", "stripe"]).default("drum"),
    port: PortRef,
    backend: z.enum(["line", "firmata"]).default("line"),
    /** Position reports per second. */
    reportRateHz: z.number().int().min(1).max(1000).default(100),
    /** Firmata backend: the servo driving the drum. */
    servo: FirmataServoConfig.optional(),
    /** Stripe display page (port path "browser:stripe"): the screen it is shown on. */
    screen: ScreenGeometry.optional(),
  }),
  eyeTracker: z.strictObject({ port: PortRef, calibration: EyeCalibration.optional() }),
});
export type RigDevices = z.infer<typeof RigDevices>;

export const RigConfig = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().default("simulated rig"),
    /** Who runs the rig, written into exported files (NWB general/lab, institution, experimenter). */
    lab: z
      .strictObject({
        name: z.string().min(1).optional(),
        institution: z.string().min(1).optional(),
        experimenters: z.array(z.string().min(1)).optional(),
      })
      .optional(),
    light: z
      .array(LightChannel)
      .min(1)
      .default([
        { name: "blue", wavelengthNm: 470, limits: LightLimits.parse({}) },
        { name: "amber", wavelengthNm: 593, limits: LightLimits.parse({}) },
      ]),
    /** How far a protocol's wavelength may be from the channel's, nm. */
    wavelengthToleranceNm: z.number().nonnegative().default(15),
    /** The devices and their ports; absent for the simulated rig. */
    devices: RigDevices.optional(),
    /** Light controller watchdog: lights go off after this long without hearing from the host, ms. */
    watchdogMs: z.number().int().min(100).max(60_000).default(2000),
    /**
     * How long a device may take to answer its handshake, ms. The default fits a board that resets when its
     * port opens: its bootloader (up to ~2 s) and then its firmware's boot (StandardFirmata ~1.9 s).
     */
    handshakeTimeoutMs: z.number().int().positive().default(FIRMATA_HANDSHAKE_MS),
    /**
     * What a device fault does to the session. "end" (default): every light off at once, the fault logged,
     * the recording flushed and the session ended as failed. "reconnect": if the eye tracker goes away,
     * every light goes off and the rig looks for it again (by serial number or USB id, backing off from
     * 0.25 s to 4 s) for up to `reconnectTimeoutS`; once it is back the session carries on and the light
     * schedule resumes (blocks spanning the gap are flagged); if not, the session ends as failed. Any other
     * device's fault ends it.
     */
    faultPolicy: z.enum(["end", "reconnect"]).default("end"),
    /** How long "reconnect" waits for the eye tracker to come back, s. */
    reconnectTimeoutS: z.number().positive().default(30),
  })
  .check((ctx) => {
    const d = ctx.value.devices;
    if (d?.light.backend === "firmata")
      ctx.value.light.forEach((c, i) => {
        if (c.pin === undefined || c.fullScalePowerMw === undefined)
          ctx.issues.push({
            code: "custom",
            input: c,
            path: ["light", i],
            message: `channel '${c.name}' is on a Firmata board: give its \`pin\` and \`fullScalePowerMw\``,
          });
      });
    // StandardFirmata's Servo library takes a PWM timer: a light on one of its pins, on the servo's board, fails.
    const servoBoard = d?.stimulus.backend === "firmata" && d.stimulus.servo ? d.stimulus.port : undefined;
    if (d?.light.backend === "firmata" && servoBoard && sameBoard(d.light.port, servoBoard))
      ctx.value.light.forEach((c, i) => {
        const conflict = c.pin === undefined ? undefined : servoTimerConflict(c.pin);
        if (conflict)
          ctx.issues.push({
            code: "custom",
            input: c.pin,
            path: ["light", i, "pin"],
            message: `channel '${c.name}' shares its Firmata board with the drum servo: ${conflict}`,
          });
      });
    if (d?.stimulus.backend === "firmata" && !d.stimulus.servo)
      ctx.issues.push({
        code: "custom",
        input: d.stimulus,
        path: ["devices", "stimulus", "servo"],
        message: "a Firmata drum needs `servo` (pin, centreDeg, degreesPerStimulusDegree)",
      });
    if (d?.stimulus.port.path === STRIPE_PAGE_PATH && (d.stimulus.kind !== "stripe" || !d.stimulus.screen))
      ctx.issues.push({
        code: "custom",
        input: d.stimulus,
        path: ["devices", "stimulus"],
        message: `the stripe display page (port "${STRIPE_PAGE_PATH}") needs "kind": "stripe" and its \`screen\` (viewingDistanceCm, widthCm, widthPx)`,
      });
  });
export type RigConfig = z.infer<typeof RigConfig>;

/** The simulated rig: one blue (ChR2) and one amber (ArchT) channel with the default limits. */
export const SIMULATED_RIG: RigConfig = RigConfig.parse({});
