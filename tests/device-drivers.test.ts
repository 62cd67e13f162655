// Drivers against simulated devices on simulated serial ports: handshakes, commands and acks, streams split
// at arbitrary byte boundaries, malformed lines counted, unplug and reconnect, port errors.
import { setImmediate as tick } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { EYE_EVENTS } from "../devices/eye-tracker/codec.ts";
import { SerialEyeTracker } from "../devices/eye-tracker/driver.ts";
import { LIGHT_EVENTS } from "../devices/light-source/codec.ts";
import { SerialLightSource } from "../devices/light-source/driver.ts";
import { LinePort, openSerialStream, readPending } from "../devices/line-port.ts";
import { plugFirmwareBoard } from "../mocks/avr/serial-device.ts";
import { SimulatedLightController } from "../mocks/devices/light-controller.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  type SimulatedSerialDevice,
  unplugSimulatedDevice,
} from "../mocks/serial-binding.ts";
import { SimulatedLightSource } from "../mocks/simulated-rig.ts";
import { VirtualClock } from "../src/core/clock.ts";
import { FAULT_TEXT } from "../src/core/faults.ts";
import type { LightEdge } from "../src/core/samples.ts";
import { resolvePort } from "../src/rig/connect.ts";
import { eachSample, type Sample } from "./helpers/batches.ts";
import { settle } from "./helpers/virtual-time.ts";

afterEach(() => resetSimulatedPorts());

/**
 * A device that answers HELLO as an eye tracker (and the PINGs before START that settle its clock), then sends
 * whatever bytes the test gives it: once started it answers no PING, as a tracker gone silent.
 */
class ScriptedEye implements SimulatedSerialDevice {
  send: ((b: Uint8Array) => void) | undefined;
  received = "";
  private started = false;
  constructor(private readonly hello = "hokr-eye 1 200 deg") {}
  attach(send: (b: Uint8Array) => void) {
    this.send = send;
  }
  detach() {
    this.send = undefined;
  }
  receive(bytes: Uint8Array) {
    this.received += Buffer.from(bytes).toString("latin1");
    for (const m of this.received.matchAll(/@(\d+) (HELLO|PING|START|STOP)\n/g)) {
      if (m[2] === "START") this.started = true;
      if (m[2] === "PING" && this.started) continue;
      const reply = m[2] === "HELLO" ? `@${m[1]} OK 0 ${this.hello}` : `@${m[1]} OK 0`;
      this.send?.(Buffer.from(`${reply}\n`));
    }
    this.received = "";
  }
  bytes(text: string) {
    this.send?.(Buffer.from(text, "latin1"));
  }
}

async function openEye(clock: VirtualClock, device: SimulatedSerialDevice, path = "sim/eye") {
  plugSimulatedDevice(device, { path, serialNumber: "EYE-1" });
  const port = new LinePort(path, await openSerialStream(SimulatedBinding, path, 115200), clock, EYE_EVENTS);
  const tracker = new SerialEyeTracker(port, undefined);
  await tracker.connect(1000);
  return { port, tracker };
}

describe("eye tracker stream", () => {
  it("decodes samples split across arbitrary chunk boundaries, rejecting and counting malformed lines", async () => {
    const clock = new VirtualClock();
    const device = new ScriptedEye();
    const { port, tracker } = await openEye(clock, device);
    const samples: Sample[] = [];
    tracker.samples$.subscribe(eachSample((s) => samples.push(s)));
    const good = Array.from(
      { length: 200 },
      (_, i) => `S ${1000 + i * 5000} ${(Math.sin(i / 10) * 5).toFixed(4)}`,
    );
    const bad = ["S 1 2 3 4 5", "garbage!", "S 99 nan nan nan nan", "S 5 123", "S -3 1", "S 7"];
    const stream = `${[...good.slice(0, 100), ...bad, ...good.slice(100)].join("\n")}\n`;
    // Cut the byte stream at pseudo-random places, including inside numbers and line ends.
    let at = 0;
    for (let k = 1; at < stream.length; k++) {
      const n = 1 + ((k * 7919) % 37);
      device.bytes(stream.slice(at, at + n));
      at += n;
      if (k % 5 === 0) await tick();
    }
    await settle();
    expect(samples.map((s) => s.deviceUs)).toEqual(good.map((l) => Number(l.split(" ")[1])));
    expect(samples.map((s) => s.deg)).toEqual(good.map((l) => Number(l.split(" ")[2])));
    expect(port.rejected).toBe(bad.length);
  });

  it("gives the same samples and rejections whether a read holds whole lines or cuts them anywhere", async () => {
    // Whole lines are decoded from the read's bytes, lines cut by a read as text: both must agree, for plain
    // samples, a lost pupil (`nan`, left to the general decoder), CR LF endings and malformed lines.
    const stream = `${[
      "S 1000 1.5",
      "S 6000 nan",
      "S 11000 -2.25 0.5 41\r",
      "S 16000 1e3",
      "S 21000 -0.0001",
      "T 22000 lost",
      "S 26000 90.0001",
      "S 31000 3",
    ].join("\n")}\n`;
    const run = async (chunk: number) => {
      const clock = new VirtualClock();
      const device = new ScriptedEye();
      const { port, tracker } = await openEye(clock, device, `sim/eye-${chunk}`);
      const samples: Sample[] = [];
      tracker.samples$.subscribe(eachSample((s) => samples.push(s)));
      for (let at = 0; at < stream.length; at += chunk) {
        device.bytes(stream.slice(at, at + chunk));
        await tick();
      }
      await settle();
      return { samples: samples.map((s) => [s.deviceUs, s.deg]), rejected: port.rejected };
    };
    const whole = await run(stream.length);
    expect(whole).toEqual({
      samples: [
        [1000, 1.5],
        [6000, Number.NaN],
        [11000, -2.25],
        [21000, -0.0001],
        [31000, 3],
      ],
      rejected: 2, // 1e3 is no decimal of the wire; 90.0001° is out of range
    });
    for (const chunk of [1, 2, 3, 7]) expect(await run(chunk), `cut every ${chunk} bytes`).toEqual(whole);
  });

  it("reports an unplug as the port closing with an error, and a silent tracker as a fault", async () => {
    const clock = new VirtualClock();
    const device = new ScriptedEye();
    const { port, tracker } = await openEye(clock, device);
    const faults: string[] = [];
    tracker.faults$.subscribe((f) => faults.push(f.message));
    clock.advanceTo(1500); // no frames for 1.5 s
    await readPending(); // the watchdog reads what is pending before calling the tracker silent…
    expect(faults).toEqual([]);
    clock.advanceTo(1800); // …and asks whether it is still there (a PING, unanswered here: a write that failed
    await settle(); // would have been the port going away)
    expect(faults).toEqual([FAULT_TEXT.noFrames("sim/eye", 1000)]);
    const closed: (Error | null)[] = [];
    port.closed$.subscribe((e) => closed.push(e));
    unplugSimulatedDevice("sim/eye");
    await settle();
    expect(closed).toHaveLength(1);
    expect(String(closed[0])).toMatch(/disconnected/);
  });

  it("refuses a device that answers as something else, and one that does not answer at all", async () => {
    const clock = new VirtualClock();
    await expect(openEye(clock, new ScriptedEye("hokr-drum 1 45"))).rejects.toThrow(
      /answered as 'hokr-drum', expected hokr-eye/,
    );
    const mute: SimulatedSerialDevice = { attach() {}, detach() {}, receive() {} };
    plugSimulatedDevice(mute, { path: "sim/mute" });
    const port = new LinePort(
      "sim/mute",
      await openSerialStream(SimulatedBinding, "sim/mute", 115200),
      clock,
      EYE_EVENTS,
    );
    const hello = new SerialEyeTracker(port, undefined).connect(3000);
    clock.advanceTo(3001);
    await expect(hello).rejects.toThrow(/sim\/mute: no reply to HELLO within 3000 ms/);
  });
});

describe("opening ports", () => {
  it("names a missing port and a busy one, with what to check", async () => {
    await expect(openSerialStream(SimulatedBinding, "/dev/ttyACM7", 115200)).rejects.toThrow(
      "cannot open /dev/ttyACM7: no such port; check the cable and run `hokr ports`",
    );
    plugSimulatedDevice(new ScriptedEye(), { path: "sim/busy" });
    await openSerialStream(SimulatedBinding, "sim/busy", 115200);
    await expect(openSerialStream(SimulatedBinding, "sim/busy", 115200)).rejects.toThrow(
      /sim\/busy: the port is in use by another program/,
    );
  });

  it("finds a replugged device by serial number after Linux renamed its port", async () => {
    plugSimulatedDevice(new ScriptedEye(), {
      path: "/dev/ttyACM0",
      serialNumber: "85735313",
      vendorId: "2341",
      productId: "0043",
    });
    expect(await resolvePort(SimulatedBinding, { serialNumber: "85735313", baudRate: 115200 })).toBe(
      "/dev/ttyACM0",
    );
    unplugSimulatedDevice("/dev/ttyACM0");
    await expect(
      resolvePort(SimulatedBinding, { serialNumber: "85735313", baudRate: 115200 }),
    ).rejects.toThrow(/no serial port matches serial number 85735313; ports present: none/);
    plugSimulatedDevice(new ScriptedEye(), {
      path: "/dev/ttyACM1",
      serialNumber: "85735313",
      vendorId: "2341",
      productId: "0043",
    });
    expect(await resolvePort(SimulatedBinding, { serialNumber: "85735313", baudRate: 115200 })).toBe(
      "/dev/ttyACM1",
    );
    expect(await resolvePort(SimulatedBinding, { usb: "2341:0043", baudRate: 115200 })).toBe("/dev/ttyACM1");
  });
});

/** The same light-source tests against two controllers: the simulated one and the compiled firmware. */
const lightControllers = {
  simulated: async (clock: VirtualClock) => {
    const model = new SimulatedLightSource(clock, [
      { name: "blue", wavelengthNm: 470 },
      { name: "amber", wavelengthNm: 593 },
    ]);
    plugSimulatedDevice(new SimulatedLightController(clock, model), { path: "sim/light" });
    return { path: "sim/light", isOn: (channel: string) => model.isOn(channel) };
  },
  firmware: async (clock: VirtualClock) => {
    const board = plugFirmwareBoard(clock, "sim/light");
    return { path: "sim/light", isOn: (channel: string) => board.lightOn(channel === "blue" ? 0 : 1) };
  },
};

describe.each(Object.entries(lightControllers))(
  "light source driver against the %s controller",
  (_name, plug) => {
    async function setup() {
      const clock = new VirtualClock();
      const device = await plug(clock);
      const port = new LinePort(
        device.path,
        await openSerialStream(SimulatedBinding, device.path, 115200),
        clock,
        LIGHT_EVENTS,
      );
      const light = new SerialLightSource(port, clock, [
        { name: "blue", wavelengthNm: 470, index: 0 },
        { name: "amber", wavelengthNm: 593, index: 1 },
      ]);
      // A board resets when its port opens: let simulated time pass until it answers.
      let ready = false;
      const connecting = light.connect(2000, 1000).then(() => {
        ready = true;
      });
      for (let i = 0; !ready && i < 2000; i++) {
        await settle();
        if (!ready) clock.advanceTo(clock.now() + 1);
      }
      await connecting;
      return { clock, isOn: device.isOn, port, light };
    }

    it("hands pulse trains to the device and reports its edges, timed by the device", async () => {
      const { clock, light } = await setup();
      const edges: LightEdge[] = [];
      light.edges$.subscribe((e) => edges.push(e));
      const t0 = clock.now();
      light.start("blue", 3, { kind: "pulses", pulseWidthMs: 10, periodMs: 50, interTrainIntervalS: 0 });
      await settle();
      for (let t = t0 + 10; t <= t0 + 220; t += 10) {
        clock.advanceTo(t);
        await settle();
      }
      light.off("blue");
      await settle();
      clock.advanceTo(clock.now() + 5);
      await settle();
      const on = edges.filter((e) => e.on);
      const off = edges.filter((e) => !e.on);
      expect(on).toHaveLength(5);
      expect(off).toHaveLength(5);
      // Widths and periods on the device's own clock: exact to its 4 µs timer tick.
      for (const [i, e] of on.entries()) {
        expect(Math.abs((off[i]?.deviceUs ?? 0) - e.deviceUs - 10_000)).toBeLessThanOrEqual(4);
        if (i > 0) expect(Math.abs(e.deviceUs - (on[i - 1]?.deviceUs ?? 0) - 50_000)).toBeLessThanOrEqual(4);
        expect(e.powerMw).toBe(3);
      }
      // …and placed on the session clock within a few ms of when they were asked for (the two commands take
      // ~3.5 ms to cross a 115200-baud line to a real board).
      expect((on[0]?.tMs ?? 0) - t0).toBeLessThan(10);
    });

    it("keeps the device watchdog fed while the host lives; the device switches off when the host goes quiet", async () => {
      const { clock, isOn, port, light } = await setup();
      light.start("amber", 5, { kind: "continuous" });
      const t0 = clock.now();
      for (let t = t0 + 250; t <= t0 + 10_000; t += 250) {
        clock.advanceTo(t);
        await settle();
      }
      expect(isOn("amber")).toBe(true); // 10 s on, watchdog 2 s: the heartbeat kept it alive
      const closing = light.close(); // stops the heartbeat (and switches off)
      clock.advanceTo(clock.now() + 10);
      await settle();
      await closing;
      light.start("amber", 5, { kind: "continuous" });
      await settle();
      const lastCommand = clock.now();
      clock.advanceTo(lastCommand + 10); // the device acts on its clock
      expect(isOn("amber")).toBe(true);
      await port.close(); // the host is gone without a word
      clock.advanceTo(lastCommand + 1990);
      expect(isOn("amber")).toBe(true);
      clock.advanceTo(lastCommand + 2100);
      expect(isOn("amber")).toBe(false);
    });

    it("turns a refused command into a fault naming it", async () => {
      const { clock, light } = await setup();
      const faults: string[] = [];
      light.faults$.subscribe((f) => faults.push(f.message));
      light.start("blue", 50, { kind: "continuous" }); // above both controllers' 20 mW
      await settle();
      clock.advanceTo(clock.now() + 10);
      await settle();
      expect(faults[0]).toMatch(/sim\/light: PWR refused: ERR 2/);
    });
  },
);
