// The hokr-rig firmware image and its pin map (devices/firmware/pins.h), for flashing and for the simulator.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseIntelHex } from "./intel-hex.ts";

/** The committed build of hokr-rig.ino (`npm run firmware` rebuilds it). */
export const FIRMWARE_HEX = fileURLToPath(new URL("./hokr-rig.hex", import.meta.url));

export const FIRMWARE = {
  /** ATmega328P at 16 MHz (Arduino Uno). */
  mcu: "atmega328p",
  clockHz: 16_000_000,
  baud: 115_200,
  /** Light channel n: gate (on/off) pin and power (PWM into the LED driver's analog input) pin, Arduino numbers. */
  lightGatePins: [9, 10],
  lightPowerPins: [6, 5],
  servoPin: 11,
  /** Device clock tick (Timer1 / 64), µs: light edges sit on this grid. */
  tickUs: 4,
  /** Shortest pulse and shortest dark time the firmware accepts, µs. */
  minEdgeSpacingUs: 100,
  /** Delay from executing TRAIN to its first pulse, µs. */
  trainLeadUs: 64,
  /** Power at 100 % PWM duty, mW (rig calibration constant in pins.h). */
  powerFullScaleMw: 20,
  /** Servo: pulse width = centre + perDeg · position. */
  servoCentreUs: 1500,
  servoUsPerDeg: 10,
  servoFrameUs: 20_000,
  servoTickUs: 2,
  maxAmplitudeDeg: 90,
} as const;

export function loadFirmwareImage(path = FIRMWARE_HEX): Uint8Array {
  return parseIntelHex(readFileSync(path, "utf8"), path);
}
