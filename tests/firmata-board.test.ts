// Connecting to a StandardFirmata board through firmata-io and johnny-five: the handshake over a stream,
// the clear errors when the board does not answer or the port fails, and a lost link surfaced to the rig.
import { PassThrough } from "node:stream";
import { firstValueFrom, toArray } from "rxjs";
import { SerialPortMock } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { connectFirmataBoard } from "../devices/firmata-board/board.ts";
import { fakeStandardFirmata } from "./fakes/fake-standard-firmata.ts";

afterEach(() => SerialPortMock.binding.reset());

describe("connectFirmataBoard", () => {
  it("resolves with a ready board once a board that resets on open has booted and answered", async () => {
    const { board, io } = await connectFirmataBoard(fakeStandardFirmata({ bootMs: 20 }), { timeoutMs: 2000 });
    expect(board.isReady).toBe(true);
    expect((io as unknown as { firmware: { name: string } }).firmware.name).toBe("StandardFirmata.ino");
    // The capability report reached johnny-five: the Uno's PWM pins are known.
    const pwm = io.pins.flatMap((p, pin) => (p.supportedModes.includes(io.MODES.PWM as number) ? [pin] : []));
    expect(pwm).toEqual([3, 5, 6, 9, 10, 11]);
  });

  it("asks a board that did not reset for its version, and connects", async () => {
    const { board } = await connectFirmataBoard(fakeStandardFirmata(), { timeoutMs: 200 });
    expect(board.isReady).toBe(true);
  });

  it("rejects naming the serial port when the board does not answer, and closes the port", async () => {
    SerialPortMock.binding.createPort("/dev/ttyACM7");
    const port = new SerialPortMock({ path: "/dev/ttyACM7", baudRate: 57600 });
    await expect(connectFirmataBoard(port, { timeoutMs: 100 })).rejects.toThrow(
      /the Firmata board on \/dev\/ttyACM7 did not answer within 100 ms: check that it runs StandardFirmata/,
    );
    expect(port.destroyed).toBe(true);
  });

  it("rejects naming the port when it cannot be opened", async () => {
    const port = new SerialPortMock({ path: "/dev/ttyACM9", baudRate: 57600 });
    await expect(connectFirmataBoard(port, { timeoutMs: 1000 })).rejects.toThrow(
      /the Firmata board on \/dev\/ttyACM9 failed before it was ready: .*does not exist/,
    );
  });

  it("rejects when the link closes before the board is ready", async () => {
    const stream = new PassThrough();
    const connecting = connectFirmataBoard(stream, { timeoutMs: 1000, port: "usb-arduino" });
    stream.destroy();
    await expect(connecting).rejects.toThrow(/usb-arduino closed before the Firmata board was ready/);
  });
});

describe("a lost link", () => {
  it("is surfaced once when the board is unplugged", async () => {
    const stream = fakeStandardFirmata({ bootMs: 0 });
    const { lost$ } = await connectFirmataBoard(stream, { timeoutMs: 1000, port: "/dev/ttyACM0" });
    const events = firstValueFrom(lost$.pipe(toArray()));
    stream.destroy();
    expect(await events).toEqual([{ port: "/dev/ttyACM0", reason: "closed" }]);
  });

  it("is surfaced with the I/O error that ended it (once, though the port then closes too)", async () => {
    const stream = fakeStandardFirmata({ bootMs: 0 });
    const { lost$ } = await connectFirmataBoard(stream, { timeoutMs: 1000, port: "/dev/ttyACM0" });
    stream.destroy(new Error("EIO: i/o error, read"));
    const events = await firstValueFrom(lost$.pipe(toArray()));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ port: "/dev/ttyACM0", reason: "error", error: { message: /EIO/ } });
  });

  it("is not reported when the rig closes the link itself", async () => {
    const stream = fakeStandardFirmata({ bootMs: 0 });
    const { lost$, close } = await connectFirmataBoard(stream, { timeoutMs: 1000 });
    const events = firstValueFrom(lost$.pipe(toArray()));
    await close();
    expect(await events).toEqual([]);
    expect(stream.destroyed).toBe(true);
  });

  it("reaches late subscribers", async () => {
    const stream = fakeStandardFirmata({ bootMs: 0 });
    const { lost$ } = await connectFirmataBoard(stream, { timeoutMs: 1000, port: "p" });
    stream.destroy();
    await new Promise((resolve) => stream.once("close", resolve));
    expect(await firstValueFrom(lost$)).toEqual({ port: "p", reason: "closed" });
  });
});
