// Faults in a running session on the simulated rig (through the real drivers and serial stack): a device
// vanishing mid-session ends it with every light off within 1 s, the fault logged and the folder readable.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { drawMouse, MouseParameters } from "../mocks/mouse-parameters.ts";
import { VirtualMouse } from "../mocks/virtual-mouse.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { runSession } from "../src/app/session-runner.ts";
import { RigConfig, SIMULATED_RIG } from "../src/config/rig-config.ts";
import type { SessionClock } from "../src/core/clock.ts";
import { Random } from "../src/core/random.ts";
import type { LightEdge } from "../src/core/samples.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { readSessionFolder } from "../src/recording/session-folder.ts";
import { createSerialSimulatedRig, type SerialSimulatedRig } from "../src/rig/serial-simulated-rig.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-faults-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const protocol = () =>
  Protocol.parse({
    name: "fault",
    phases: [
      { name: "training", durationS: 120, stimulus: { on: true } },
      { name: "rest", durationS: 60 },
    ],
    light: [
      {
        channel: "blue",
        opsin: "ChR2",
        wavelengthNm: 470,
        powerMw: 3,
        window: { phase: "training" },
        pattern: { kind: "pulses", pulseWidthMs: 500, periodMs: 1000 },
      },
    ],
  });

/** A 3-min session with blue pulses during training; `during` acts on the simulated rig as it runs. */
async function runWithFault(
  name: string,
  rigConfig: RigConfig,
  during: (rig: SerialSimulatedRig, clock: SessionClock) => void,
) {
  const p = protocol();
  const loaded = checkProtocol("fault", p, rigConfig);
  const params = MouseParameters.parse({});
  const random = new Random(5);
  const deviceEdges: LightEdge[] = [];
  const outDir = join(root, name);
  const out = await runSession({
    timeline: loaded.timeline,
    analysis: DEFAULT_ANALYSIS,
    clock: "virtual",
    outDir,
    wallClock: () => new Date(0),
    meta: {
      format: "hokr-session/1",
      protocolFile: "fault",
      protocolHash: loaded.hash,
      protocol: p,
      rig: rigConfig,
      subject: { id: "m", flags: [], seed: 5, simulated: true },
      software: { name: "hokr-lab", version: "test", node: process.version },
      analysis: DEFAULT_ANALYSIS,
      startedAt: new Date(0).toISOString(),
      timeline: { durationS: 180, trainingStartS: 0, phases: [] },
    },
    makeRig: async (clock) => {
      const rig = await createSerialSimulatedRig(
        clock,
        rigConfig,
        200,
        (world) => new VirtualMouse(drawMouse(params, random, [], ["ChR2"]), params, world, random.fork()),
      );
      rig.devices.light.edges$.subscribe((e) => deviceEdges.push(e));
      during(rig, clock);
      return rig;
    },
  });
  const events = readFileSync(join(outDir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  return { out, outDir, deviceEdges, events };
}

const unplugAtMs = 30_200; // mid-pulse: blue is on

it("eye tracker unplugged while the light is on: light off within 1 s, fault recorded, session ended", async () => {
  const { out, outDir, deviceEdges, events } = await runWithFault("unplug", SIMULATED_RIG, (rig, clock) =>
    clock.schedule(() => rig.unplug("eyeTracker"), unplugAtMs),
  );
  expect(out.status).toBe("failed");
  expect(out.reason).toMatch(/device fault: .*eye.*went away/);
  // What the light really did (device side): on at the unplug, off within 1 s after it, and never on again.
  const before = deviceEdges.filter((e) => e.tMs <= unplugAtMs).at(-1);
  expect(before?.on).toBe(true);
  const last = deviceEdges.at(-1);
  expect(last?.on).toBe(false);
  expect((last?.tMs ?? Number.POSITIVE_INFINITY) - unplugAtMs).toBeLessThanOrEqual(1000);
  expect(out.rig.devices.light.isOn("blue")).toBe(false);
  // The session folder says what happened.
  const folder = readSessionFolder(outDir);
  expect(folder.meta.status).toBe("failed");
  const fault = events.find((e) => e.type === "fault");
  expect(fault?.message).toMatch(/went away/);
  expect(fault?.t_s).toBeLessThanOrEqual(unplugAtMs / 1000 + 1);
  expect(events.some((e) => e.type === "lights-off")).toBe(true);
  expect(events.filter((e) => e.type === "light-edge").at(-1)?.on).toBe(false);
});

it("fault policy reconnect: the eye tracker comes back under a new port name, lights resume, session completes", async () => {
  const rig = RigConfig.parse({ faultPolicy: "reconnect" });
  const { out, deviceEdges, events } = await runWithFault("reconnect", rig, (r, clock) => {
    clock.schedule(() => r.unplug("eyeTracker"), unplugAtMs);
    clock.schedule(() => r.replug("eyeTracker", "sim/renamed/eye"), unplugAtMs + 2000);
  });
  expect(out.reason).toBe("protocol finished");
  expect(out.status).toBe("complete");
  const fault = events.find((e) => e.type === "fault");
  expect(fault).toMatchObject({ device: "eyeTracker", recoverable: true });
  const recovered = events.find((e) => e.type === "recovered");
  expect(recovered?.t_s).toBeGreaterThan(unplugAtMs / 1000 + 2);
  // Light off within 1 s of the loss and dark until the tracker is back; then the pulses resume.
  const firstOff = deviceEdges.find((e) => e.tMs > unplugAtMs && !e.on);
  expect((firstOff?.tMs ?? Number.POSITIVE_INFINITY) - unplugAtMs).toBeLessThanOrEqual(1000);
  expect(deviceEdges.filter((e) => e.on && e.tMs > unplugAtMs && e.tMs < recovered.t_s * 1000)).toHaveLength(
    0,
  );
  expect(deviceEdges.filter((e) => e.on && e.tMs > recovered.t_s * 1000).length).toBeGreaterThan(50);
  // The learning curve carries on past the gap.
  expect(out.blocks.filter((b) => b.phase === "training").length).toBe(2);
  expect(out.blocks.at(-1)?.t_end_s).toBeGreaterThan(100);
});
