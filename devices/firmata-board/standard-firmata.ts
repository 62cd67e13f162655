// What the real StandardFirmata image on an Arduino Uno imposes on a rig, written once: the rig configuration's
// validation, the drivers, the connection timeouts, `hokr flash --firmata` and the simulator all take it from
// here. The image is the build avrgirl-arduino ships (StandardFirmata 2.4); tests/standard-firmata.test.ts
// checks these figures against it running on the emulator.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The StandardFirmata build avrgirl-arduino 5.0.1 ships for the Uno (Intel HEX), flashed and simulated. */
export const STANDARD_FIRMATA_HEX = join(
  dirname(createRequire(import.meta.url).resolve("avrgirl-arduino/package.json")),
  "junk/hex/uno/StandardFirmata.cpp.hex",
);

/** StandardFirmata's serial speed, bit/s. */
export const FIRMATA_BAUD = 57_600;

/** The Uno's PWM pins and the hardware timer behind each (ATmega328P: OC0A/B, OC1A/B, OC2A/B). */
export const UNO_PWM_TIMER: Readonly<Record<number, 0 | 1 | 2>> = { 3: 2, 5: 0, 6: 0, 9: 1, 10: 1, 11: 2 };

/**
 * Timer the Arduino Servo library takes on an ATmega328P once StandardFirmata attaches a servo (SERVO_CONFIG
 * or a pin set to SERVO mode): PWM on that timer's pins stops (an analogWrite below full scale leaves the pin
 * low) and writes there disturb the servo's pulses.
 */
export const SERVO_TIMER = 1;

/** PWM pins that keep working while a servo is attached: 3, 5, 6, 11 on an Uno. */
export const PWM_PINS_WITH_SERVO = Object.keys(UNO_PWM_TIMER)
  .map(Number)
  .filter((pin) => UNO_PWM_TIMER[pin] !== SERVO_TIMER);

/**
 * Why a PWM light on `pin` cannot share a StandardFirmata Uno with a servo, and the fix; undefined if it can.
 */
export function servoTimerConflict(pin: number): string | undefined {
  if (UNO_PWM_TIMER[pin] !== SERVO_TIMER) return undefined;
  return (
    `pin ${pin}'s PWM comes from Timer${SERVO_TIMER}, which StandardFirmata's Servo library takes for the drum ` +
    `servo: below full power the light would stay dark and every light write would disturb the servo; ` +
    `use pin ${PWM_PINS_WITH_SERVO.slice(0, -1).join(", ")} or ${PWM_PINS_WITH_SERVO.at(-1)}`
  );
}

/**
 * Smallest servo pulse width StandardFirmata reads as µs: an analog write to a servo pin below this is taken
 * as an angle in degrees (Arduino Servo's write(): MIN_PULSE_WIDTH 544).
 */
export const SERVO_MIN_PULSE_US = 544;

/** PWM (analogWrite) resolution: duty = value / 255, so partial power comes in 1/255 steps. */
export const PWM_FULL_SCALE = 255;

/**
 * PWM carrier frequency of each Uno timer under the Arduino core, Hz: Timer0 fast PWM 16 MHz/64/256,
 * Timers 1 and 2 phase-correct 16 MHz/64/510. A partial-power pulse is a burst of this carrier.
 */
export const UNO_PWM_HZ: Readonly<Record<0 | 1 | 2, number>> = {
  0: 16e6 / 64 / 256,
  1: 16e6 / 64 / 510,
  2: 16e6 / 64 / 510,
};

/**
 * From reset to StandardFirmata's version report, ms: it blinks its version on the LED first (measured on
 * the emulator at ≈1.9 s).
 */
export const FIRMATA_BOOT_MS = 2000;

/**
 * The longest a bootloader holds a board after a reset before starting the sketch, ms (Optiboot on an Uno
 * waits ~1 s, older bootloaders and Nano clones up to ~2 s). A board whose port open resets it (DTR) is
 * silent this long plus its own boot.
 */
export const BOOTLOADER_MS = 2000;

/** Handshake time that fits a board resetting on open: bootloader + StandardFirmata's boot + 1 s of margin. */
export const FIRMATA_HANDSHAKE_MS = BOOTLOADER_MS + FIRMATA_BOOT_MS + 1000;
