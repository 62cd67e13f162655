// The real-rig path end to end (`hokr run --rig`): rig configuration → ports found by serial number →
// handshakes → session on the real clock → recording. The serial ports are simulated, and the devices run
// on their own clock, as real devices do; everything else is what runs at the rig.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import { SimulatedEyeTrackerDevice } from "../mocks/devices/eye-tracker.ts";
import { SimulatedLightController } from "../mocks/devices/light-controller.ts";
import { SimulatedStimulusController } from "../mocks/devices/stimulus-controller.ts";
import { drawMouse, MouseParameters } from "../mocks/mouse-parameters.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  type SimulatedSerialDevice,
} from "../mocks/serial-binding.ts";
import {
  SimulatedEyeTracker,
  SimulatedLightSource,
  SimulatedStimulus,
  worldOf,
} from "../mocks/simulated-rig.ts";
import { VirtualMouse } from "../mocks/virtual-mouse.ts";
import { runOnRig } from "../src/app/rig-sessions.ts";
import { RigConfig } from "../src/config/rig-config.ts";
import { RealClock } from "../src/core/clock.ts";
import { Random } from "../src/core/random.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { readSessionFolder } from "../src/recording/session-folder.ts";
import { replaySession } from "../src/replay/replay.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-real-rig-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => resetSimulatedPorts());

it("runs a protocol on a configured rig: devices by serial number, own device clocks, real clock", async () => {
  const deviceClock = new RealClock();
  const rig = RigConfig.parse({
    name: "bench rig",
    devices: {
      light: { port: { serialNumber: "LIGHT-7" } },
      stimulus: { port: { serialNumber: "DRUM-3" } },
      eyeTracker: { port: { usb: "1d6b:0104" } },
    },
  });
  const light = new SimulatedLightSource(deviceClock, rig.light);
  const drum = new SimulatedStimulus(deviceClock);
  const params = MouseParameters.parse({});
  const random = new Random(7);
  const mouse = new VirtualMouse(
    drawMouse(params, random, [], ["ChR2"]),
    params,
    worldOf(drum, light),
    random.fork(),
  );
  plugSimulatedDevice(new SimulatedLightController(deviceClock, light), {
    path: "/dev/ttyACM0",
    serialNumber: "LIGHT-7",
  });
  plugSimulatedDevice(new SimulatedStimulusController(deviceClock, drum), {
    path: "/dev/ttyACM1",
    serialNumber: "DRUM-3",
  });
  plugSimulatedDevice(
    withTransportJitter(
      new SimulatedEyeTrackerDevice(deviceClock, new SimulatedEyeTracker(deviceClock, mouse, 200), 200),
      new Random(11),
    ),
    {
      path: "/dev/ttyUSB0",
      vendorId: "1d6b",
      productId: "0104",
    },
  );
  const protocol = Protocol.parse({
    name: "short",
    stimulus: { frequencyHz: 2 },
    phases: [
      { name: "training", durationS: 2, stimulus: { on: true }, cyclesPerBlock: 2 },
      { name: "rest", durationS: 0.5 },
      { name: "test", cycles: 2, stimulus: { on: true }, cyclesPerBlock: 2 },
    ],
    light: [
      {
        channel: "blue",
        opsin: "ChR2",
        wavelengthNm: 470,
        powerMw: 2,
        window: { phase: "training" },
        pattern: { kind: "pulses", pulseWidthMs: 50, periodMs: 200 },
      },
    ],
  });
  const outDir = join(root, "s");
  const out = await runOnRig({
    loaded: checkProtocol("short", protocol, rig),
    rig,
    subjectId: "M042",
    outDir,
    binding: SimulatedBinding,
  });
  deviceClock.stop();
  expect(out.status).toBe("complete");
  // Replaying this real-clock, jittered recording reproduces its gain table exactly (issue #12: it did not,
  // because replay fitted the device clocks again from its own arrival times).
  const replayed = await replaySession({ dir: outDir, outDir: join(root, "s-replay") });
  expect(replayed.status).toBe("complete");
  expect(readFileSync(join(root, "s-replay", "gain.tsv"), "utf8")).toBe(
    readFileSync(join(outDir, "gain.tsv"), "utf8"),
  );
  expect(
    readFileSync(join(root, "s-replay", "eye.tsv"), "utf8")
      .split("\n")
      .map((l) => l.split("\t")[0]),
  ).toEqual(
    readFileSync(join(outDir, "eye.tsv"), "utf8")
      .split("\n")
      .map((l) => l.split("\t")[0]),
  );
  expect(out.blocks.map((b) => b.phase)).toEqual(["training", "training", "test"]);
  for (const b of out.blocks) expect(b.quality).toBe("ok");
  const folder = readSessionFolder(outDir);
  expect(folder.meta.subject).toMatchObject({ id: "M042", simulated: false });
  expect(folder.meta.clock).toBe("real");
  // Each device's clock was aligned to the session clock, with the residual error reported.
  for (const d of ["light", "stimulus", "eyeTracker"] as const) {
    expect(folder.meta.devices?.[d]?.port).toMatch(/^\/dev\/tty/);
    expect(folder.meta.devices?.[d]?.rejectedLines).toBe(0);
    expect(folder.meta.devices?.[d]?.clock?.residualMs).toBeLessThan(50); // generous: CI machines are busy
  }
  const edges = readFileSync(join(outDir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === "light-edge");
  expect(edges.filter((e) => e.on)).toHaveLength(10); // 2 s of 200 ms periods, timed by the device
  expect(edges.at(-1)?.on).toBe(false);
});

/** Delays a device's bytes by 0–3 ms each (in order), as a USB serial link's packet timing does. */
function withTransportJitter(device: SimulatedSerialDevice, random: Random): SimulatedSerialDevice {
  let due = 0;
  return {
    receive: (bytes) => device.receive(bytes),
    detach: () => device.detach(),
    attach: (send) =>
      device.attach((lent) => {
        const bytes = lent.slice(); // the device reuses its buffer (SimulatedSerialDevice.attach)
        due = Math.max(due, performance.now()) + random.uniform() * 1.5;
        setTimeout(() => send(bytes), due - performance.now());
      }),
  };
}
