// The compiled firmware behind the simulated serial binding: the serialport stack (SerialPortStream and the
// readline parser) opens it like a board on /dev/ttyACM0, with the chip running on a virtual session clock.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { ReadlineParser } from "@serialport/parser-readline";
import { SerialPortStream } from "@serialport/stream";
import { afterEach, describe, expect, it } from "vitest";
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { LIGHT_EVENTS } from "../devices/light-source/codec.ts";
import { SerialLightSource } from "../devices/light-source/driver.ts";
import { LinePort, openSerialStream } from "../devices/line-port.ts";
import { plugFirmwareBoard } from "../mocks/avr/serial-device.ts";
import { resetSimulatedPorts, SimulatedBinding } from "../mocks/serial-binding.ts";
import { RigConfig } from "../src/config/rig-config.ts";
import { VirtualClock } from "../src/core/clock.ts";
import { advanceUntilSettled } from "./helpers/virtual-time.ts";

afterEach(() => resetSimulatedPorts());

async function openBoard(path: string, resetOnOpen = true) {
  const clock = new VirtualClock();
  const board = plugFirmwareBoard(clock, path, { resetOnOpen });
  const stream = new SerialPortStream({
    binding: SimulatedBinding,
    path,
    baudRate: FIRMWARE.baud,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => stream.open((e) => (e ? reject(e) : resolve())));
  const lines: { text: string; atMs: number }[] = [];
  stream.pipe(new ReadlineParser({ delimiter: "\n" })).on("data", (text: string) => {
    lines.push({ text, atMs: clock.now() });
  });
  /** Advances session time in 1 ms steps, letting the stream deliver, until `until` holds or `ms` pass. */
  const advance = async (ms: number, until: () => boolean = () => false) => {
    const end = clock.now() + ms;
    while (clock.now() < end && !until()) {
      clock.advanceTo(clock.now() + 1);
      await yieldToEventLoop();
    }
  };
  return { ...board, clock, stream, lines, advance };
}

describe("firmware behind the simulated serial binding", () => {
  it("boots when the port opens, and answers HELLO through the serialport stack", async () => {
    const board = await openBoard("sim/avr/1");
    await board.advance(50, () => board.lines.length > 0);
    expect(board.lines[0]?.text).toMatch(/^! \d+ boot external-reset$/);
    board.stream.write("@7 HELLO\n");
    await board.advance(50, () => board.lines.some((l) => l.text.startsWith("@7 ")));
    expect(board.lines.at(-1)?.text).toMatch(/^@7 OK \d+ hokr-rig 1 2 90$/);
    board.device.dispose();
  });

  it("keeps simulated time in step with the session clock: edge reports 10 ms apart arrive 10 ms apart", async () => {
    const board = await openBoard("sim/avr/2", false);
    await board.advance(5);
    board.stream.write("@1 WDG 0\n@2 TRAIN 1 2000 10000 0 0 0\n");
    await board.advance(100);
    const rises = board.lines.filter((l) => /^E \d+ 1 1$/.test(l.text));
    expect(rises.length).toBeGreaterThanOrEqual(8);
    const gaps = (xs: number[]) => xs.slice(1).map((x, k) => x - (xs[k] ?? Number.NaN));
    expect(gaps(rises.map((l) => Number(l.text.split(" ")[1])))).toEqual(
      Array(rises.length - 1).fill(10_000),
    );
    // Each report reaches the host 10 ms of session time after the previous one, give or take a step or two.
    for (const g of gaps(rises.map((l) => l.atMs))) expect(Math.abs(g - 10)).toBeLessThanOrEqual(2);
    board.device.dispose();
  });

  it("exposes the pins for a virtual mouse: light gates and the servo's commanded position", async () => {
    const board = await openBoard("sim/avr/3", false);
    await board.advance(5);
    expect(board.servoDeg()).toBe(0);
    board.stream.write("@1 ON 1\n@2 SINE 30 1\n");
    await board.advance(255); // a quarter cycle: the servo near +30°
    expect(board.lightOn(1)).toBe(true);
    expect(board.lightOn(0)).toBe(false);
    expect(board.servoDeg()).toBeGreaterThan(29);
    expect(board.servoDeg()).toBeLessThanOrEqual(30);
    board.device.dispose();
  });
});

describe("a controller that resets when its port opens", () => {
  it("is asked HELLO again while its bootloader keeps it deaf (1.6 s), and connects within the default handshake time", async () => {
    const clock = new VirtualClock();
    const path = "/dev/ttyACM5";
    plugFirmwareBoard(clock, path, { bootloaderMs: 1600 });
    const stream = await openSerialStream(SimulatedBinding, path, FIRMWARE.baud);
    const hellos: number[] = [];
    const write = stream.write.bind(stream) as (chunk: string) => boolean;
    stream.write = ((chunk: string) => {
      if (String(chunk).includes("HELLO")) hellos.push(clock.now());
      return write(chunk);
    }) as typeof stream.write;
    const port = new LinePort(path, stream, clock, LIGHT_EVENTS);
    const light = new SerialLightSource(port, clock, [{ name: "blue", wavelengthNm: 470, index: 0 }]);
    const { handshakeTimeoutMs, watchdogMs } = RigConfig.parse({});
    const connecting = light.connect(watchdogMs, handshakeTimeoutMs);
    await advanceUntilSettled(clock, connecting, { stepMs: 5 });
    expect(clock.now()).toBeGreaterThan(1600);
    expect(clock.now()).toBeLessThan(handshakeTimeoutMs);
    expect(light.identity?.[0]).toBe("hokr-rig");
    // The HELLOs lost in the bootloader were not counted as bad lines, nor were late answers to them.
    expect(port.rejected).toBe(0);
    expect(hellos.length).toBeGreaterThan(1);
    await advanceUntilSettled(clock, light.close());
    await port.close();
  });
});
