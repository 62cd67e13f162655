// Connecting a configured rig: devices found by serial number, a Firmata board (LEDs + drum servo) and a
// line-protocol eye tracker side by side, and the rig configuration in the README is valid.
import { readFileSync } from "node:fs";
import { setImmediate as tick } from "node:timers/promises";
import { Subject } from "rxjs";
import { afterEach, expect, it } from "vitest";
import { fakeStandardFirmata } from "../devices/firmata-board/fake-standard-firmata.ts";
import type { EyeSample, LightEdge } from "../devices/rig.ts";
import { SimulatedEyeTrackerDevice } from "../mocks/devices/eye-tracker.ts";
import { streamDevice } from "../mocks/devices/stream-device.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  unplugSimulatedDevice,
} from "../mocks/serial-binding.ts";
import { VirtualClock } from "../src/engine/clock.ts";
import { connectRig } from "../src/rig/connect.ts";
import { RigConfig } from "../src/rig/rig-config.ts";

afterEach(() => resetSimulatedPorts());

it("connects a Firmata board and a line-protocol eye tracker found by serial number; an unplug is a fault", async () => {
  const clock = new VirtualClock();
  plugSimulatedDevice(streamDevice(fakeStandardFirmata()), { path: "/dev/ttyACM3", serialNumber: "UNO-1" });
  const frames = new Subject<EyeSample>();
  plugSimulatedDevice(new SimulatedEyeTrackerDevice(clock, { samples$: frames }, 200), {
    path: "/dev/ttyUSB0",
    serialNumber: "EYE-9",
  });
  const config = RigConfig.parse({
    name: "firmata rig",
    light: [{ name: "blue", wavelengthNm: 470, pin: 9, fullScalePowerMw: 10 }],
    devices: {
      light: { port: { serialNumber: "UNO-1" }, backend: "firmata" },
      stimulus: { port: { serialNumber: "UNO-1" }, backend: "firmata", servo: { pin: 10 } },
      eyeTracker: { port: { serialNumber: "EYE-9" } },
    },
  });
  if (!config.devices) throw new Error("unreachable");
  const rig = await connectRig({
    binding: SimulatedBinding,
    clock,
    config: { ...config, devices: config.devices },
    drain: async () => {},
  });
  const edges: LightEdge[] = [];
  rig.light.edges$.subscribe((e) => edges.push(e));
  rig.light.start("blue", 5, { kind: "pulses", pulseWidthMs: 10, periodMs: 100, interTrainIntervalS: 0 });
  clock.advanceTo(250);
  expect(edges.map((e) => [e.tMs, e.on])).toEqual([
    [0, true],
    [10, false],
    [100, true],
    [110, false],
    [200, true],
    [210, false],
  ]);
  const faults: string[] = [];
  rig.faults$.subscribe((f) => faults.push(f.message));
  unplugSimulatedDevice("/dev/ttyACM3");
  for (let i = 0; i < 20; i++) await tick();
  expect(faults.some((m) => m.startsWith("/dev/ttyACM3 went away"))).toBe(true);
  await rig.close();
});

it("rejects a Firmata rig configuration without pins, naming the channel", () => {
  const r = RigConfig.safeParse({
    light: [{ name: "blue", wavelengthNm: 470 }],
    devices: {
      light: { port: { path: "/dev/ttyACM0" }, backend: "firmata" },
      stimulus: { port: { path: "/dev/ttyACM0" } },
      eyeTracker: { port: { path: "/dev/ttyUSB0" } },
    },
  });
  expect(r.success).toBe(false);
  expect(r.error?.issues[0]?.message).toMatch(
    /channel 'blue' is on a Firmata board: give its `pin` and `fullScalePowerMw`/,
  );
});

it("the README's sample rig (examples/rig.json) is a valid rig configuration", () => {
  expect(readFileSync("README.md", "utf8")).toContain("(examples/rig.json)");
  const rig = RigConfig.parse(JSON.parse(readFileSync("examples/rig.json", "utf8")));
  expect(rig.devices?.light.port.serialNumber).toBe(rig.devices?.stimulus.port.serialNumber);
  expect(rig.devices?.eyeTracker.calibration?.method).toBe("stahl");
});
