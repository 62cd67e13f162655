// What the devices said, and only that (issue #12): lines the host cannot use are rejected and counted,
// never taken as data; the light state is the controller's own report (edges, watchdog, reset); a HELLO is
// checked field by field; a host stall does not make a device look silent. Virtual clock, simulated ports.
import { afterEach, expect, it } from "vitest";
import { STIMULUS_EVENTS } from "../devices/drum/codec.ts";
import { SerialStimulus } from "../devices/drum/driver.ts";
import { EYE_EVENTS } from "../devices/eye-tracker/codec.ts";
import { SerialEyeTracker } from "../devices/eye-tracker/driver.ts";
import { LIGHT_EVENTS } from "../devices/light-source/codec.ts";
import { SerialLightSource } from "../devices/light-source/driver.ts";
import { LinePort, openSerialStream, type PortNote, readPending } from "../devices/line-port.ts";
import type { Table } from "../devices/messages.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  type SimulatedSerialDevice,
  unplugSimulatedDevice,
} from "../mocks/serial-binding.ts";
import { VirtualClock } from "../src/core/clock.ts";
import { FAULT_TEXT } from "../src/core/faults.ts";
import type { LightEdge } from "../src/core/samples.ts";
import { eachSample } from "./helpers/batches.ts";
import { settle } from "./helpers/virtual-time.ts";

afterEach(() => resetSimulatedPorts());

/** Answers every command `@id OK <t>` (HELLO with `hello`), and sends whatever bytes the test gives it. */
class Scripted implements SimulatedSerialDevice {
  private send: ((b: Uint8Array) => void) | undefined;
  /** Replies are held back while true (a stalled host has not read them yet). */
  hold = false;
  private held: string[] = [];
  constructor(private readonly hello: string) {}
  attach(send: (b: Uint8Array) => void) {
    this.send = send;
  }
  detach() {
    this.send = undefined;
  }
  receive(bytes: Uint8Array) {
    for (const m of Buffer.from(bytes)
      .toString("latin1")
      .matchAll(/@(\d+) (\w+)[^\n]*\n/g)) {
      const reply = `@${m[1]} OK 0${m[2] === "HELLO" ? ` ${this.hello}` : ""}\n`;
      if (this.hold) this.held.push(reply);
      else this.bytes(reply);
    }
  }
  release() {
    this.hold = false;
    for (const r of this.held.splice(0)) this.bytes(r);
  }
  bytes(text: string) {
    this.send?.(Buffer.from(text, "latin1"));
  }
}

async function open<T extends Table>(clock: VirtualClock, hello: string, table: T, path: string) {
  const device = new Scripted(hello);
  plugSimulatedDevice(device, { path });
  const port = new LinePort(path, await openSerialStream(SimulatedBinding, path, 115200), clock, table);
  const notes: PortNote[] = [];
  port.notes$.subscribe((n) => notes.push(n));
  return { device, port, notes };
}

async function lightController(channels: number) {
  const clock = new VirtualClock();
  const { device, port, notes } = await open(clock, `hokr-light 1 ${channels}`, LIGHT_EVENTS, "sim/light");
  const light = new SerialLightSource(port as LinePort<typeof LIGHT_EVENTS>, clock, [
    { name: "blue", wavelengthNm: 470, index: 0 },
    { name: "yellow", wavelengthNm: 590, index: 1 },
  ]);
  const edges: (LightEdge & { cause?: string })[] = [];
  light.edges$.subscribe((e) => edges.push(e));
  await light.connect(2000, 1000);
  return { device, port, notes, edges, light };
}

it("an edge for channel 7 of a 2-channel controller is rejected and counted, not recorded", async () => {
  const { device, port, notes, edges } = await lightController(2);
  device.bytes("E 1000 7 1\nE 1100 1 1\n");
  await settle();
  expect(edges.map((e) => [e.channel, e.on])).toEqual([["yellow", true]]);
  expect(port.rejected).toBe(1);
  expect(notes).toContainEqual(
    expect.objectContaining({
      kind: "rejected-line",
      reason: expect.stringMatching(/channel 7 does not exist/),
    }),
  );
});

it("the light state is the controller's: a watchdog trip and a reset turn lit channels off in the record", async () => {
  const { device, port, notes, edges } = await lightController(2);
  device.bytes("E 1000 0 1\nE 1010 1 1\nW 2000\nE 3000 0 1\n! 50 boot\n");
  await settle();
  expect(edges.map((e) => [e.channel, e.on, e.cause])).toEqual([
    ["blue", true, undefined],
    ["yellow", true, undefined],
    ["blue", false, "watchdog"],
    ["yellow", false, "watchdog"],
    ["blue", true, undefined],
    ["blue", false, "reset"],
  ]);
  // The reset started a new clock fit and was noted.
  expect(notes.filter((n) => n.kind === "reset")).toHaveLength(1);
  expect(port.sync.fit().restarts).toBe(1);
});

it("dark() waits for the controller's own off edges (what a session's ending waits for), or its port's loss", async () => {
  const { device, light } = await lightController(2);
  device.bytes("E 1000 0 1\nE 1010 1 1\n");
  await settle();
  let dark = false;
  void light.dark().then(() => {
    dark = true;
  });
  light.allOff(); // the host's command is not the light's state
  device.bytes("E 1100 0 0\n");
  await settle();
  expect(dark).toBe(false);
  device.bytes("E 1110 1 0\n");
  await settle();
  expect(dark).toBe(true);
  // Lit again, then the port goes away: nothing more can be heard from it.
  device.bytes("E 2000 0 1\n");
  await settle();
  const gone = light.dark();
  unplugSimulatedDevice("sim/light");
  await expect(gone).resolves.toBeUndefined();
});

it("a 100 kB line without a newline is cut off, counted once, and the line after the next newline is read", async () => {
  const clock = new VirtualClock();
  const { device, port } = await open(clock, "hokr-eye 1 200 deg", EYE_EVENTS, "sim/eye");
  const tracker = new SerialEyeTracker(port as LinePort<typeof EYE_EVENTS>, undefined);
  const xs: number[] = [];
  tracker.samples$.subscribe(eachSample((s) => xs.push(s.deg)));
  await tracker.connect(1000);
  for (let i = 0; i < 100; i++) device.bytes("x".repeat(1000));
  device.bytes("\nS 10 1.5\nS 20 2.5\n");
  await settle();
  expect(xs).toEqual([1.5, 2.5]);
  expect(port.rejected).toBe(1);
});

it("HELLO: a wrong protocol version, and a drum too weak for the protocol, are refused with the fix", async () => {
  const clock = new VirtualClock();
  const eye = await open(clock, "hokr-eye 2 200 deg", EYE_EVENTS, "sim/eye2");
  await expect(
    new SerialEyeTracker(eye.port as LinePort<typeof EYE_EVENTS>, undefined).connect(1000),
  ).rejects.toThrow(/speaks protocol version 2, this hokr speaks version 1; flash the matching firmware/);
  const weak = await open(clock, "hokr-drum 1 5", STIMULUS_EVENTS, "sim/drum");
  await expect(
    new SerialStimulus(weak.port as LinePort<typeof STIMULUS_EVENTS>).connect(100, 1000, 10),
  ).rejects.toThrow(/drives at most 5°, the protocol asks for 10°; lower the protocol's amplitudeDeg/);
  const odd = await open(clock, "hokr-drum 1 ninety", STIMULUS_EVENTS, "sim/drum2");
  await expect(
    new SerialStimulus(odd.port as LinePort<typeof STIMULUS_EVENTS>).connect(100, 1000),
  ).rejects.toThrow(/HELLO gave maxAmplitudeDeg 'ninety', outside its range/);
});

it("a host stall: frames and replies waiting unread when the timers fire are read first — no false fault", async () => {
  const clock = new VirtualClock();
  const { device, port } = await open(clock, "hokr-eye 1 200 deg", EYE_EVENTS, "sim/eye3");
  const tracker = new SerialEyeTracker(port as LinePort<typeof EYE_EVENTS>, undefined);
  const faults: string[] = [];
  tracker.faults$.subscribe((f) => faults.push(f.message));
  tracker.samples$.subscribe(() => {});
  await tracker.connect(1000);
  device.hold = true;
  const ping = port.request("PING", (id) => `@${id} PING`, 1000);
  // 3 s stalled: the tracker kept sending, the host read nothing; then every timer fires at once.
  device.bytes("S 100 1.0\n");
  device.release();
  clock.advanceTo(3000);
  await readPending();
  await settle();
  await expect(ping).resolves.toMatchObject({ kind: "ok" });
  expect(faults).toEqual([]);
  // A tracker that really is silent is still a fault.
  clock.advanceTo(6000);
  await readPending();
  await settle();
  expect(faults).toEqual([FAULT_TEXT.noFrames("sim/eye3", 1000)]);
});

it("a light edge stamped far in the future: its stamp is rejected by the clock fit, the edge kept where it arrived", async () => {
  const { device, port, edges } = await lightController(2);
  // Edges 1 ms apart in device time, as the virtual clock stands still; the third stamped 30 s ahead.
  device.bytes("E 1000 0 1\nE 2000 0 0\nE 30003000 0 1\nE 4000 0 0\n");
  await settle();
  // The controller did switch the light on: the edge is in the record, not 30 s ahead but at its arrival.
  const arrivedAt = edges[1]?.tMs ?? Number.NaN;
  expect(edges.map((e) => [e.deviceUs, e.on, (e as { clock?: string }).clock])).toEqual([
    [1000, true, undefined],
    [2000, false, undefined],
    [30003000, true, "arrival"],
    [4000, false, undefined],
  ]);
  expect(edges[2]?.tMs).toBeGreaterThanOrEqual(arrivedAt);
  expect(edges[2]?.tMs).toBeLessThan(arrivedAt + 1000);
  // The stamp moved nothing and is counted; the line itself was not rejected.
  expect(port.sync.fit().rejected).toBe(1);
  expect(port.rejected).toBe(0);
});

it("an eye frame stamped far in the future is dropped and counted: a sample is only where its device put it", async () => {
  const clock = new VirtualClock();
  const { device, port } = await open(clock, "hokr-eye 1 200 deg", EYE_EVENTS, "sim/eye-glitch");
  const tracker = new SerialEyeTracker(port as LinePort<typeof EYE_EVENTS>, undefined);
  const stamps: number[] = [];
  tracker.samples$.subscribe(eachSample((s) => stamps.push(s.deviceUs)));
  await tracker.connect(1000);
  device.bytes("S 1000 1.0\nS 2000 2.0\nS 30003000 3.0\nS 4000 4.0\n");
  await settle();
  expect(stamps).toEqual([1000, 2000, 4000]);
  expect(port.sync.fit().rejected).toBe(1);
  expect(port.rejected).toBe(1);
});
