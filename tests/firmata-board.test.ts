// Connecting to the real StandardFirmata image (avrgirl-arduino's build) on the emulated Uno through
// firmata-io and johnny-five, at 57600 baud with true serial timing: the handshake after the firmware's real
// boot (plus a bootloader), what it reports, the clear errors when a board does not answer or the port
// fails, and a lost link surfaced to the rig.
import { PassThrough } from "node:stream";
import { firstValueFrom, toArray } from "rxjs";
import { SerialPortMock } from "serialport";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FirmataStimulus } from "../devices/drum/firmata-servo.ts";
import { connectFirmataBoard } from "../devices/firmata-board/board.ts";
import {
  BOOTLOADER_MS,
  FIRMATA_BAUD,
  FIRMATA_BOOT_MS,
  FIRMATA_HANDSHAKE_MS,
  SERVO_MIN_PULSE_US,
} from "../devices/firmata-board/standard-firmata.ts";
import { FirmataLightSource } from "../devices/light-source/firmata-led.ts";
import { openSerialStream } from "../devices/line-port.ts";
import { plugStandardFirmata, type StandardFirmataBoard } from "../mocks/avr/standard-firmata.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  unplugSimulatedDevice,
} from "../mocks/serial-binding.ts";
import { VirtualClock } from "../src/core/clock.ts";
import { advanceInSteps, advanceUntilSettled } from "./helpers/virtual-time.ts";

const REPORT_VERSION = 0xf9;

describe("a board that resets when its port opens", () => {
  afterAll(() => resetSimulatedPorts());

  it("boots StandardFirmata 2.4 after its bootloader, reports, and is ready within the default handshake time", async () => {
    const clock = new VirtualClock();
    const board = plugStandardFirmata(clock, "/dev/ttyACM0", { bootloaderMs: BOOTLOADER_MS });
    let reportedMs: number | undefined;
    board.uno.onTransmit((byte, cycle) => {
      if (byte === REPORT_VERSION) reportedMs ??= board.device.sessionMs(cycle);
    });
    const stream = await openSerialStream(SimulatedBinding, "/dev/ttyACM0", FIRMATA_BAUD);
    const openedMs = clock.now();
    const link = await advanceUntilSettled(clock, connectFirmataBoard(stream, { clock }), { stepMs: 2 });
    const readyMs = clock.now() - openedMs;
    // It blinks its version before reporting: ~1.9 s after the sketch starts (FIRMATA_BOOT_MS is the budget).
    const bootMs = (reportedMs as number) - openedMs - BOOTLOADER_MS;
    expect(bootMs).toBeGreaterThan(1000);
    expect(bootMs).toBeLessThan(FIRMATA_BOOT_MS);
    expect(readyMs).toBeLessThan(FIRMATA_HANDSHAKE_MS);
    const io = link.io as unknown as {
      firmware: { name: string; version: { major: number; minor: number } };
      MODES: Record<string, number>;
      pins: { supportedModes: number[] }[];
    };
    expect(io.firmware.name).toBe("StandardFirmata.ino");
    expect(io.firmware.version).toEqual({ major: 2, minor: 4 });
    // The capability report reached johnny-five: the Uno's PWM pins, servo on every digital pin.
    const pinsWith = (mode: string) =>
      io.pins.flatMap((p, pin) => (p.supportedModes.includes(io.MODES[mode] as number) ? [pin] : []));
    expect(pinsWith("PWM")).toEqual([3, 5, 6, 9, 10, 11]);
    expect(pinsWith("SERVO")).toEqual(expect.arrayContaining([2, 3, 9, 10, 13]));
    await link.close();
  });
});

describe("a board already running (no reset on open)", () => {
  const clock = new VirtualClock();
  let board: StandardFirmataBoard;
  const path = "/dev/ttyACM1";
  beforeAll(() => {
    board = plugStandardFirmata(clock, path, { resetOnOpen: false });
    // Booted once for every test below.
    clock.advanceTo(FIRMATA_BOOT_MS);
  });
  afterAll(() => resetSimulatedPorts());
  // Each test leaves the port as it found it: the board plugged in, the port free.
  afterEach(() => {
    unplugSimulatedDevice(path);
    plugSimulatedDevice(board.device, { path });
  });

  const connect = async (timeoutMs = 400) => {
    const stream = await openSerialStream(SimulatedBinding, path, FIRMATA_BAUD);
    const link = await advanceUntilSettled(clock, connectFirmataBoard(stream, { clock, timeoutMs }));
    return { stream, link };
  };

  it("is asked for its version once a booting board would have reported, and connects", async () => {
    const sent: number[] = [];
    const off = board.uno.onReceive((byte) => sent.push(byte));
    const start = clock.now();
    const { link } = await connect();
    off();
    expect(sent[0]).toBe(REPORT_VERSION);
    // Asked after half the timeout (400 ms), then the handshake's few messages at 57600 baud.
    expect(clock.now() - start).toBeGreaterThanOrEqual(200);
    expect(clock.now() - start).toBeLessThan(300);
    expect(link.board.isReady).toBe(true);
    await link.close();
  });

  it("a lost link is surfaced once when the board is unplugged", async () => {
    const { link } = await connect();
    const events = firstValueFrom(link.lost$.pipe(toArray()));
    unplugSimulatedDevice(path);
    expect(await events).toHaveLength(1);
  });

  it("a lost link is surfaced with the I/O error that ended it (once, though the port then closes too)", async () => {
    const { stream, link } = await connect();
    stream.destroy(new Error("EIO: i/o error, read"));
    const events = await firstValueFrom(link.lost$.pipe(toArray()));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ port: path, reason: "error", error: { message: /EIO/ } });
  });

  it("a closed link is not reported when the rig closes it itself, and reaches late subscribers when lost", async () => {
    const first = await connect();
    const events = firstValueFrom(first.link.lost$.pipe(toArray()));
    await first.link.close();
    expect(await events).toEqual([]);
    expect(first.stream.destroyed).toBe(true);
    const second = await connect();
    second.stream.destroy();
    await new Promise((resolve) => second.stream.once("close", resolve));
    expect(await firstValueFrom(second.link.lost$)).toEqual({ port: path, reason: "closed" });
  });
  it("imposes what the rig rules say: SERVO_CONFIG honoured, Timer1 PWM lost to the servo, servo values below 544 read as degrees", async () => {
    const { link } = await connect();
    board.watch(5);
    board.watch(9);
    board.watch(10);
    const drum = new FirmataStimulus(link.board, clock, { pin: 9, pwmRangeUs: [1000, 2000] });
    const light = new FirmataLightSource(link.board, clock, [
      { name: "on-timer0", pin: 5, wavelengthNm: 470, maxPowerMw: 10 },
      { name: "on-timer1", pin: 10, wavelengthNm: 593, maxPowerMw: 10 },
    ]);
    light.start("on-timer0", 5, { kind: "continuous" });
    light.start("on-timer1", 5, { kind: "continuous" });
    const t0 = clock.now() + 20;
    await advanceInSteps(clock, t0 + 100, 0.5);
    // The servo's pulses follow SERVO_CONFIG's range: 90° of 1000–2000 µs is 1500 µs, every ~20 ms.
    const servo = board.pulses(9).filter((p) => p.startMs >= t0);
    expect(servo.length).toBeGreaterThanOrEqual(4);
    for (const p of servo) expect(p.widthMs * 1000).toBeCloseTo(1500, -1);
    // Duty 128/255 on pin 5 (Timer0): PWM at ~976 Hz. On pin 10 (Timer1, taken by the servo): dark.
    const pwm = board.pulses(5).filter((p) => p.startMs >= t0);
    expect(pwm.length).toBeGreaterThan(90);
    for (const p of pwm) expect(p.widthMs).toBeCloseTo((1000 / 976.5625) * (128 / 256), 1);
    expect(board.levels(10).filter((l) => l.tMs >= t0 && l.high)).toEqual([]);
    // A servo value below SERVO_MIN_PULSE_US is an angle: 534 is read as 180° (2000 µs here), not 534 µs.
    (link.io as unknown as { servoWrite(pin: number, value: number): void }).servoWrite(
      9,
      SERVO_MIN_PULSE_US - 10,
    );
    const t1 = clock.now() + 25;
    await advanceInSteps(clock, t1 + 50, 0.5);
    const asAngle = board.pulses(9).filter((p) => p.startMs >= t1);
    expect(asAngle.length).toBeGreaterThanOrEqual(2);
    for (const p of asAngle) expect(p.widthMs * 1000).toBeCloseTo(2000, -1);
    light.allOff();
    drum.stop();
    await advanceInSteps(clock, clock.now() + 5, 0.5);
    await link.close();
  });
});

describe("connecting fails clearly", () => {
  afterAll(() => SerialPortMock.binding.reset());

  it("rejects naming the serial port when the board does not answer, and closes the port", async () => {
    const clock = new VirtualClock();
    SerialPortMock.binding.createPort("/dev/ttyACM7");
    const port = new SerialPortMock({ path: "/dev/ttyACM7", baudRate: FIRMATA_BAUD });
    await expect(
      advanceUntilSettled(clock, connectFirmataBoard(port, { clock, timeoutMs: 100 })),
    ).rejects.toThrow(
      /the Firmata board on \/dev\/ttyACM7 did not answer within 100 ms: check that it runs StandardFirmata/,
    );
    expect(port.destroyed).toBe(true);
  });

  it("rejects naming the port when it cannot be opened", async () => {
    const clock = new VirtualClock();
    const port = new SerialPortMock({ path: "/dev/ttyACM9", baudRate: FIRMATA_BAUD });
    await expect(connectFirmataBoard(port, { clock, timeoutMs: 1000 })).rejects.toThrow(
      /the Firmata board on \/dev\/ttyACM9 failed before it was ready: .*does not exist/,
    );
  });

  it("rejects when the link closes before the board is ready", async () => {
    const stream = new PassThrough();
    const connecting = connectFirmataBoard(stream, { clock: new VirtualClock(), port: "usb-arduino" });
    stream.destroy();
    await expect(connecting).rejects.toThrow(/usb-arduino closed before the Firmata board was ready/);
  });
});
