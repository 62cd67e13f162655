// The `hokr-rig` controller (the firmware in this folder), as data: the light source's and the drum's
// protocols on one port, with the board's channel count, pins and timer constants. `npm run describe`
// (devices/generate.ts) writes description.h from it, which the firmware includes instead of typing its own
// constants; firmware.ts, the simulator harness (mocks/avr/) and the tests read the same values from here.
import type { CommandSpec, DeviceDescription, FieldSpec } from "../description.ts";
import { DRUM, DRUM_LIMITS } from "../drum/description.ts";
import { channelField, LIGHT_LIMITS, LIGHT_SOURCE } from "../light-source/description.ts";

/** An Arduino Uno pin: its number on the board and its AVR port bit (output-compare pins are fixed by the timer). */
interface Pin {
  arduino: number;
  port: "B" | "D";
  bit: number;
  /** The timer output it belongs to. */
  timer: string;
}

export const BOARD = {
  /** ATmega328P at 16 MHz (Arduino Uno). */
  mcu: "atmega328p",
  clockHz: 16_000_000,
  baud: 115_200,
  lightChannels: 2,
  pins: {
    /** Light channel n's gate (on/off): Timer1's compare outputs, so the compare hardware makes every edge. */
    lightGates: [
      { arduino: 9, port: "B", bit: 1, timer: "OC1A" },
      { arduino: 10, port: "B", bit: 2, timer: "OC1B" },
    ],
    /** Light channel n's power: Timer0 PWM (976 Hz) into an RC low-pass and the LED driver's analog input. */
    lightPower: [
      { arduino: 6, port: "D", bit: 6, timer: "OC0A" },
      { arduino: 5, port: "D", bit: 5, timer: "OC0B" },
    ],
    /** Drum servo: Timer2's compare output, 50 Hz frames. */
    servo: { arduino: 11, port: "B", bit: 3, timer: "OC2A" },
  },
  /** Device clock and light edges: Timer1 at clk/64, µs per tick. */
  tickUs: 4,
  /** Delay from executing TRAIN to its first pulse, µs (one clean compare arming). */
  trainLeadUs: 64,
  /** Servo: pulse width = centre + perDeg · position, in frames of `servoFrameUs` on Timer2 at clk/32. */
  servoCentreUs: 1500,
  servoUsPerDeg: 10,
  servoFrameUs: 20_000,
  servoTickUs: 2,
} as const;

const channel = channelField(BOARD.lightChannels);
const onThisBoard = (c: CommandSpec): CommandSpec => ({
  ...c,
  args: c.args.map((f: FieldSpec) => (f.name === "channel" ? channel : f)),
});
const light = LIGHT_SOURCE.commands;

export const RIG_CONTROLLER: DeviceDescription = {
  device: "hokr-rig",
  version: 1,
  uartBaud: BOARD.baud,
  commands: {
    HELLO: {
      args: [],
      reply: [...LIGHT_SOURCE.commands.HELLO.reply, ...DRUM.commands.HELLO.reply],
      doc: `identify; ${BOARD.lightChannels} light channels, drum up to ±${DRUM_LIMITS.maxAmplitudeDeg}°`,
    },
    PWR: onThisBoard(light.PWR),
    ON: onThisBoard(light.ON),
    OFF: onThisBoard(light.OFF),
    ALLOFF: light.ALLOFF,
    TRAIN: onThisBoard(light.TRAIN),
    WDG: light.WDG,
    SINE: DRUM.commands.SINE,
    STOP: DRUM.commands.STOP,
    RATE: DRUM.commands.RATE,
    PING: light.PING,
  },
  events: { ...LIGHT_SOURCE.events, P: DRUM.events.P },
};

/** Arduino numbers of pins, as a tuple of the same length. */
const arduino = <T extends readonly Pin[]>(pins: T) =>
  pins.map((p) => p.arduino) as unknown as {
    readonly [K in keyof T]: T[K] extends Pin ? T[K]["arduino"] : never;
  };

/** The values the tests, the simulator harness and `hokr flash` use, in the units they use. */
export const FIRMWARE = {
  mcu: BOARD.mcu,
  clockHz: BOARD.clockHz,
  baud: BOARD.baud,
  /** Light channel n: gate (on/off) pin and power (PWM into the LED driver's analog input) pin, Arduino numbers. */
  lightGatePins: arduino(BOARD.pins.lightGates),
  lightPowerPins: arduino(BOARD.pins.lightPower),
  servoPin: BOARD.pins.servo.arduino,
  /** Device clock tick (Timer1 / 64), µs: light edges sit on this grid. */
  tickUs: BOARD.tickUs,
  /** Shortest pulse and shortest dark time the firmware accepts, µs. */
  minEdgeSpacingUs: LIGHT_LIMITS.minEdgeSpacingUs,
  trainLeadUs: BOARD.trainLeadUs,
  /** Power at 100 % PWM duty, mW: the top of the `PWR` range. */
  powerFullScaleMw: LIGHT_LIMITS.maxPowerMw,
  servoCentreUs: BOARD.servoCentreUs,
  servoUsPerDeg: BOARD.servoUsPerDeg,
  servoFrameUs: BOARD.servoFrameUs,
  servoTickUs: BOARD.servoTickUs,
  maxAmplitudeDeg: DRUM_LIMITS.maxAmplitudeDeg,
} as const;
