// A stop asked for at any stage is honoured (issue #12), on the real clock through the real-rig path: while a
// device is still handshaking the session never starts, no light comes on, every controller that answered is
// told ALLOFF and every port is closed — at once, not after the handshake timeout. And the progress display
// moves on the real clock through a rest with no gain blocks.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import { SimulatedLightController } from "../mocks/devices/light-controller.ts";
import { SimulatedStimulusController } from "../mocks/devices/stimulus-controller.ts";
import { drawMouse, MouseParameters } from "../mocks/mouse-parameters.ts";
import {
  plugSimulatedDevice,
  resetSimulatedPorts,
  SimulatedBinding,
  type SimulatedSerialDevice,
} from "../mocks/serial-binding.ts";
import { createSimulatedRig, SimulatedLightSource, SimulatedStimulus } from "../mocks/simulated-rig.ts";
import { VirtualMouse } from "../mocks/virtual-mouse.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { runOnRig, runSimulated } from "../src/app/rig-sessions.ts";
import { type Progress, runSession } from "../src/app/session-runner.ts";
import { RigConfig, SIMULATED_RIG } from "../src/config/rig-config.ts";
import { RealClock } from "../src/core/clock.ts";
import { DeviceError, StoppedBeforeStart } from "../src/core/faults.ts";
import { Random } from "../src/core/random.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-stops-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => resetSimulatedPorts());

/** An eye tracker that never answers (a board still booting, a wrong baud rate). */
class DeafEye implements SimulatedSerialDevice {
  receive() {}
  attach() {}
  detach() {}
}

const protocol = Protocol.parse({
  name: "stop",
  phases: [{ name: "training", durationS: 5, stimulus: { on: true } }],
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

it("SIGINT while a device is still handshaking: nothing starts, lights told off, ports closed, at once", async () => {
  const deviceClock = new RealClock();
  const rig = RigConfig.parse({
    handshakeTimeoutMs: 20_000,
    devices: {
      light: { port: { path: "/dev/ttyACM0" } },
      stimulus: { port: { path: "/dev/ttyACM1" } },
      eyeTracker: { port: { path: "/dev/ttyUSB0" } },
    },
  });
  const light = new SimulatedLightSource(deviceClock, rig.light);
  const controller = new SimulatedLightController(deviceClock, light);
  const heard: string[] = [];
  const receive = controller.receive.bind(controller);
  controller.receive = (bytes) => {
    heard.push(...Buffer.from(bytes).toString("latin1").trim().split("\n"));
    receive(bytes);
  };
  plugSimulatedDevice(controller, { path: "/dev/ttyACM0" });
  plugSimulatedDevice(new SimulatedStimulusController(deviceClock, new SimulatedStimulus(deviceClock)), {
    path: "/dev/ttyACM1",
  });
  plugSimulatedDevice(new DeafEye(), { path: "/dev/ttyUSB0" });
  const stop = new AbortController();
  const outDir = join(root, "handshake");
  const started = performance.now();
  const run = runOnRig({
    loaded: checkProtocol("stop", protocol, rig),
    rig,
    subjectId: "M1",
    outDir,
    binding: SimulatedBinding,
    signal: stop.signal,
  });
  // The light and drum have answered; the eye tracker's HELLO is in flight.
  for (let i = 0; i < 100 && !heard.some((l) => l.includes("WDG")); i++)
    await new Promise((r) => setTimeout(r, 10));
  const heardBefore = heard.length;
  stop.abort("SIGINT");
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  const tookMs = performance.now() - started;
  deviceClock.stop();
  expect(error).toBeInstanceOf(StoppedBeforeStart);
  expect((error as StoppedBeforeStart).signal).toBe("SIGINT");
  expect((error as Error).message).toMatch(
    /SIGINT while connecting the rig: stopped before the session started/,
  );
  expect(tookMs).toBeLessThan(5000); // not the 20 s handshake timeout
  expect(existsSync(outDir)).toBe(false);
  expect(heard.slice(heardBefore).some((l) => / ALLOFF$/.test(l))).toBe(true);
  expect(heard.some((l) => / (ON|TRAIN) /.test(l))).toBe(false);
  expect(light.litWavelengthsNm()).toEqual([]);
  // Every port was closed: each opens again (an open one would be locked).
  for (const path of ["/dev/ttyACM0", "/dev/ttyACM1", "/dev/ttyUSB0"])
    await (await SimulatedBinding.open({ path, baudRate: 115200 })).close();
});

it("the progress display moves on the real clock through a rest that has no gain blocks", async () => {
  const rest = Protocol.parse({
    name: "rest",
    phases: [
      { name: "training", durationS: 0.5, stimulus: { on: true } },
      { name: "rest", durationS: 3 },
    ],
  });
  const loaded = checkProtocol("rest", rest, SIMULATED_RIG);
  const params = MouseParameters.parse({});
  const random = new Random(1);
  const seen: Progress[] = [];
  await runSession({
    timeline: loaded.timeline,
    analysis: DEFAULT_ANALYSIS,
    clock: "real",
    outDir: join(root, "rest"),
    wallClock: () => new Date(0),
    meta: {
      format: "hokr-session/1",
      protocolFile: "rest",
      protocolHash: loaded.hash,
      protocol: rest,
      rig: SIMULATED_RIG,
      subject: { id: "m", flags: [], seed: 1, simulated: true },
      software: { name: "hokr-lab", version: "test", node: process.version },
      analysis: DEFAULT_ANALYSIS,
      startedAt: new Date(0).toISOString(),
      timeline: { durationS: 3.5, trainingStartS: 0, phases: [] },
    },
    makeRig: (clock) =>
      createSimulatedRig(
        clock,
        SIMULATED_RIG,
        100,
        (world) => new VirtualMouse(drawMouse(params, random, [], []), params, world, random.fork()),
      ),
    onProgress: (p) => seen.push(p),
  });
  const during = seen.filter((p) => p.phase === "rest" && p.tMs < 3500).map((p) => p.tMs);
  expect(during.length).toBeGreaterThanOrEqual(2);
  expect(during).toEqual([...during].sort((a, b) => a - b));
});

it("a stop asked for before the session began (its signal already aborted) is honoured, not missed", async () => {
  const outDir = join(root, "early");
  const error = await runSimulated({
    loaded: checkProtocol("stop", protocol, SIMULATED_RIG),
    seed: 1,
    outDir,
    signal: AbortSignal.abort("SIGTERM"),
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoppedBeforeStart);
  expect((error as StoppedBeforeStart).signal).toBe("SIGTERM");
  expect(existsSync(outDir)).toBe(false);
});

it("a drum too weak for the protocol is refused at the handshake, before any session folder exists", async () => {
  const deviceClock = new RealClock();
  const rig = RigConfig.parse({
    devices: {
      light: { port: { path: "/dev/ttyACM0" } },
      stimulus: { port: { path: "/dev/ttyACM1" } },
      eyeTracker: { port: { path: "/dev/ttyUSB0" } },
    },
  });
  plugSimulatedDevice(
    new SimulatedLightController(deviceClock, new SimulatedLightSource(deviceClock, rig.light)),
    { path: "/dev/ttyACM0" },
  );
  let send: ((b: Uint8Array) => void) | undefined;
  plugSimulatedDevice(
    {
      attach: (s) => {
        send = s;
      },
      detach: () => {},
      receive: (bytes) => {
        const id = /@(\d+) HELLO/.exec(Buffer.from(bytes).toString("latin1"))?.[1];
        if (id) send?.(Buffer.from(`@${id} OK 0 hokr-drum 1 5\n`));
      },
    },
    { path: "/dev/ttyACM1" },
  );
  plugSimulatedDevice(new DeafEye(), { path: "/dev/ttyUSB0" });
  const outDir = join(root, "weak-drum");
  const error = await runOnRig({
    loaded: checkProtocol("stop", protocol, rig), // 10° (the study default)
    rig,
    subjectId: "M1",
    outDir,
    binding: SimulatedBinding,
  }).then(
    () => null,
    (e: unknown) => e,
  );
  deviceClock.stop();
  expect(error).toBeInstanceOf(DeviceError);
  expect((error as Error).message).toMatch(
    /\/dev\/ttyACM1: hokr-drum drives at most 5°, the protocol asks for 10°; lower the protocol's amplitudeDeg or use a stronger drum/,
  );
  expect(existsSync(outDir)).toBe(false);
});
