// Connecting a configured rig: devices found by serial number, the real StandardFirmata image on the emulated
// Uno (LED + drum servo, read at its pins) and a line-protocol eye tracker side by side; the rules the real
// firmware imposes on a rig configuration; and the rig configuration in the README is valid.
import { readFileSync } from "node:fs";
import { setImmediate as tick } from "node:timers/promises";
import { Subject } from "rxjs";
import { afterEach, expect, it } from "vitest";
import { PWM_PINS_WITH_SERVO, SERVO_MIN_PULSE_US } from "../devices/firmata-board/standard-firmata.ts";
import { plugStandardFirmata } from "../mocks/avr/standard-firmata.ts";
import { SimulatedEyeTrackerDevice } from "../mocks/devices/eye-tracker.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  unplugSimulatedDevice,
} from "../mocks/serial-binding.ts";
import { RigConfig } from "../src/config/rig-config.ts";
import { VirtualClock } from "../src/core/clock.ts";
import type { EyeSample, LightEdge } from "../src/core/samples.ts";
import { connectRig } from "../src/rig/connect.ts";
import { advanceInSteps, advanceUntilSettled } from "./helpers/virtual-time.ts";

afterEach(() => resetSimulatedPorts());

const FIRMATA_RIG = {
  name: "firmata rig",
  light: [{ name: "blue", wavelengthNm: 470, pin: 5, fullScalePowerMw: 10 }],
  devices: {
    light: { port: { serialNumber: "UNO-1" }, backend: "firmata" },
    stimulus: { port: { serialNumber: "UNO-1" }, backend: "firmata", servo: { pin: 9 } },
    eyeTracker: { port: { serialNumber: "EYE-9" } },
  },
};

it("connects StandardFirmata on an Uno that resets on open and a line-protocol eye tracker, found by serial number; the pins do what the record says; an unplug is a fault", async () => {
  const clock = new VirtualClock();
  const uno = plugStandardFirmata(clock, "/dev/ttyACM3", {
    serialNumber: "UNO-1",
    bootloaderMs: 1000,
    watch: [5, 9],
  });
  const frames = new Subject<EyeSample>();
  plugSimulatedDevice(new SimulatedEyeTrackerDevice(clock, { frames$: frames }, 200), {
    path: "/dev/ttyUSB0",
    serialNumber: "EYE-9",
  });
  const config = RigConfig.parse(FIRMATA_RIG);
  if (!config.devices) throw new Error("unreachable");
  const rig = await advanceUntilSettled(
    clock,
    connectRig({
      binding: SimulatedBinding,
      clock,
      config: { ...config, devices: config.devices },
      drain: async () => {},
    }),
    { stepMs: 2 },
  );
  const edges: LightEdge[] = [];
  rig.light.edges$.subscribe((e) => edges.push(e));
  // Setting the pins up at connect (PWM and servo modes, servo config, light off) takes the line a few ms.
  await advanceInSteps(clock, clock.now() + 20);
  const t0 = clock.now();
  rig.light.start("blue", 10, { kind: "pulses", pulseWidthMs: 10, periodMs: 100, interTrainIntervalS: 0 });
  await advanceInSteps(clock, t0 + 250);
  // The record: host-timed edges at the schedule, with the duty commanded.
  expect(edges.map((e) => [e.tMs - t0, e.on, e.pwmDuty])).toEqual([
    [0, true, 1],
    [10, false, 0],
    [100, true, 1],
    [110, false, 0],
    [200, true, 1],
    [210, false, 0],
  ]);
  // The pin: each pulse rises once its 3-byte message has crossed the line at 57600 baud (0.52 ms), every
  // pulse (the first included: no off write ahead of it) as long as scheduled, to the line's granularity.
  const pulses = uno.pulses(5).filter((p) => p.startMs >= t0);
  expect(pulses).toHaveLength(3);
  pulses.forEach((p, k) => {
    expect(p.startMs - (t0 + 100 * k)).toBeGreaterThanOrEqual(0.52);
    expect(p.startMs - (t0 + 100 * k)).toBeLessThan(1.5);
    expect(p.widthMs).toBeCloseTo(10, 0);
  });
  // The servo holds the centre (90° of 600–2400 µs: 1500 µs) at ~50 Hz, undisturbed by the light writes.
  const servo = uno.pulses(9).filter((p) => p.startMs >= t0);
  expect(servo.length).toBeGreaterThanOrEqual(10);
  for (const p of servo) expect(p.widthMs * 1000).toBeCloseTo(1500, -1);

  expect(rig.report().light?.identity).toEqual(["StandardFirmata.ino", "2.4"]);
  const faults: string[] = [];
  rig.faults$.subscribe((f) => faults.push(f.message));
  unplugSimulatedDevice("/dev/ttyACM3");
  for (let i = 0; i < 20; i++) await tick();
  expect(faults.some((m) => m.startsWith("/dev/ttyACM3 went away"))).toBe(true);
  await rig.close();
  uno.device.dispose();
});

it("refuses a PWM light on a pin whose timer the drum servo takes, saying why and which pins to use", () => {
  for (const pin of [9, 10]) {
    const r = RigConfig.safeParse({ ...FIRMATA_RIG, light: [{ ...FIRMATA_RIG.light[0], pin }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["light", 0, "pin"]);
    expect(r.error?.issues[0]?.message).toMatch(
      new RegExp(
        `channel 'blue' shares its Firmata board with the drum servo: pin ${pin}'s PWM comes from Timer1.*use pin 3, 5, 6 or 11`,
      ),
    );
  }
  // On a board of its own, or with the drum on another backend, pin 9 is fine.
  const own = { ...FIRMATA_RIG.devices, light: { port: { serialNumber: "UNO-2" }, backend: "firmata" } };
  expect(
    RigConfig.safeParse({ ...FIRMATA_RIG, light: [{ ...FIRMATA_RIG.light[0], pin: 9 }], devices: own })
      .success,
  ).toBe(true);
});

it("refuses at connect a light on the servo's timer when the two name the same board differently", async () => {
  const clock = new VirtualClock();
  const uno = plugStandardFirmata(clock, "/dev/ttyACM4", { serialNumber: "UNO-1" });
  const config = RigConfig.parse({
    ...FIRMATA_RIG,
    light: [{ ...FIRMATA_RIG.light[0], pin: 10 }],
    devices: {
      ...FIRMATA_RIG.devices,
      light: { port: { usb: "2341:0043" }, backend: "firmata" },
      eyeTracker: { port: { path: "/dev/ttyUSB0" } },
    },
  });
  if (!config.devices) throw new Error("unreachable");
  await expect(
    connectRig({
      binding: SimulatedBinding,
      clock,
      config: { ...config, devices: config.devices },
      drain: async () => {},
    }),
  ).rejects.toThrow(
    /light channel 'blue' is on the drum servo's board: pin 10's PWM comes from Timer1.*use pin 3, 5, 6 or 11/,
  );
  uno.device.dispose();
});

it("the Firmata README's wiring names the pins and the servo floor the rules say", () => {
  const readme = readFileSync("devices/firmata-board/README.md", "utf8");
  expect(readme).toContain(`| **${PWM_PINS_WITH_SERVO.join(", ")}** |`);
  expect(readme).toContain(`from **${SERVO_MIN_PULSE_US} µs**`);
});

it("refuses a servo pulse range below 544 µs, which StandardFirmata would read as degrees", () => {
  const r = RigConfig.safeParse({
    ...FIRMATA_RIG,
    devices: {
      ...FIRMATA_RIG.devices,
      stimulus: { ...FIRMATA_RIG.devices.stimulus, servo: { pin: 9, pwmRangeUs: [500, 2400] } },
    },
  });
  expect(r.success).toBe(false);
  expect(r.error?.issues[0]?.message).toMatch(
    /reads servo values below 544 as degrees, not µs: use 544 µs or more/,
  );
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
