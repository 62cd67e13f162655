// Faults in a running session on the simulated rig (through the real drivers and serial stack): a device
// vanishing mid-session ends it with every light off within 1 s, the fault logged and the folder readable.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { drawMouse, MouseParameters } from "../mocks/mouse-parameters.ts";
import { injectDeviceBytes } from "../mocks/serial-binding.ts";
import { VirtualMouse } from "../mocks/virtual-mouse.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { runSession } from "../src/app/session-runner.ts";
import { RigConfig, SIMULATED_RIG } from "../src/config/rig-config.ts";
import type { SessionClock } from "../src/core/clock.ts";
import { EXIT_CODES } from "../src/core/faults.ts";
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

// ---- The record is what the devices said (issue #12) ----

/** Device time (µs) a simulated device on the rig stamps at session time `tMs` (LineDevice's clock). */
const deviceUsAt = (tMs: number, bootUs: number) => (Math.round(tMs * 1000) + bootUs) % 2 ** 32;
const LIGHT_BOOT_US = 3_000_000_000;
const EYE_BOOT_US = 4_000_000_000;

it("a light controller reset mid-session: recorded, lights recorded off, a new clock fit, the session fails (exit 3)", async () => {
  const resetAtMs = 30_200; // blue is on
  const { out, events, outDir } = await runWithFault("reset", SIMULATED_RIG, (rig, clock) =>
    clock.schedule(() => queueMicrotask(() => injectDeviceBytes(rig.paths.light, "! 12 boot\n")), resetAtMs),
  );
  expect(out.status).toBe("failed");
  expect(out.exitCode).toBe(EXIT_CODES.deviceFault);
  expect(out.reason).toMatch(/restarted mid-session \(it said "boot"\).*check its power supply/);
  expect(events).toContainEqual(expect.objectContaining({ type: "device", device: "light", kind: "reset" }));
  // The reset means off: the record says so at the reset, whatever the host had commanded.
  const resetEdge = events.find((e) => e.type === "light-edge" && e.cause === "reset");
  expect(resetEdge).toMatchObject({ channel: "blue", on: false });
  expect(resetEdge.t_s).toBeGreaterThanOrEqual(resetAtMs / 1000);
  const meta = readSessionFolder(outDir).meta;
  expect(meta.status).toBe("failed");
  expect(meta.devices?.light?.notes?.reset).toBe(1);
  expect(meta.devices?.light?.clock?.restarts).toBeGreaterThanOrEqual(1);
});

it("watchdog trips, device messages, tracker status and rejected lines go to events.jsonl and session.json", async () => {
  const { out, events, outDir } = await runWithFault("notes", SIMULATED_RIG, (rig, clock) => {
    // After the lines the devices sent up to now (they leave in one write at the end of the event-loop turn).
    clock.schedule(
      () =>
        queueMicrotask(() => {
          injectDeviceBytes(rig.paths.light, `W ${deviceUsAt(20_000, LIGHT_BOOT_US)}\n`);
          injectDeviceBytes(rig.paths.light, `! ${deviceUsAt(20_000, LIGHT_BOOT_US)} brown-out warning\n`);
          injectDeviceBytes(rig.paths.light, `E ${deviceUsAt(20_000, LIGHT_BOOT_US)} 7 1\n`);
          injectDeviceBytes(rig.paths.eyeTracker, `T ${deviceUsAt(20_000, EYE_BOOT_US)} lost\n`);
          injectDeviceBytes(rig.paths.eyeTracker, `S ${deviceUsAt(50_000, EYE_BOOT_US)} 1.0\n`); // 30 s ahead
        }),
      20_000,
    );
  });
  expect(out.status).toBe("complete");
  const notes = events.filter((e) => e.type === "device");
  expect(notes.map((n) => [n.device, n.kind])).toEqual(
    expect.arrayContaining([
      ["light", "watchdog"],
      ["light", "message"],
      ["light", "rejected-line"],
      ["eyeTracker", "tracker-status"],
      ["eyeTracker", "rejected-line"],
    ]),
  );
  expect(notes.find((n) => n.kind === "message")?.text).toBe("brown-out warning");
  expect(notes.find((n) => n.device === "light" && n.kind === "rejected-line")?.text).toMatch(
    /channel 7 does not exist/,
  );
  const meta = readSessionFolder(outDir).meta;
  expect(meta.devices?.light?.notes).toMatchObject({ watchdog: 1, message: 1, "rejected-line": 1 });
  expect(meta.devices?.light?.rejectedLines).toBe(1);
  expect(meta.devices?.eyeTracker?.notes).toMatchObject({ "tracker-status": 1, "rejected-line": 1 });
  // The far-future eye sample was rejected, not recorded; every recorded sample is where its device put it.
  expect(meta.devices?.eyeTracker?.clock?.rejected).toBe(1);
  expect(meta.devices?.eyeTracker?.clock?.residualMs).toBeLessThan(1);
  const eye = readFileSync(join(outDir, "eye.tsv"), "utf8").trim().split("\n").slice(1);
  for (const row of eye) {
    const [t, device] = row.split("\t").map(Number) as [number, number];
    expect(Math.abs(t - ((((device - EYE_BOOT_US) % 2 ** 32) + 2 ** 32) % 2 ** 32))).toBeLessThanOrEqual(
      1000,
    );
  }
});

it("reconnect with a restarted device clock: a new clock fit places the rows, the block over the gap is flagged", async () => {
  const rig = RigConfig.parse({ faultPolicy: "reconnect" });
  const { out, outDir, events } = await runWithFault("reconnect-clock", rig, (r, clock) => {
    clock.schedule(() => r.unplug("eyeTracker"), unplugAtMs);
    clock.schedule(() => r.replug("eyeTracker", "sim/renamed/eye2", 5_000), unplugAtMs + 2000);
  });
  expect(out.status).toBe("complete");
  const recovered = events.find((e) => e.type === "recovered");
  const eye = readFileSync(join(outDir, "eye.tsv"), "utf8").trim().split("\n").slice(1);
  const after = eye
    .map((row) => row.split("\t").map(Number))
    .filter(([t]) => (t as number) > recovered.t_s * 1e6);
  expect(after.length).toBeGreaterThan(1000);
  // Each row's session time is no later than its arrival and at most one virtual-clock step before it.
  for (const [t, , host] of after) expect((host as number) - (t as number)).toBeLessThanOrEqual(251_000);
  for (const [t, , host] of after) expect((host as number) - (t as number)).toBeGreaterThanOrEqual(-1000);
  const spanning = out.blocks.find((b) => b.t_start_s * 1000 <= unplugAtMs && b.t_end_s * 1000 > unplugAtMs);
  expect(spanning?.quality).toMatch(/gap/);
  expect(readFileSync(join(outDir, "gain.tsv"), "utf8")).toMatch(/gap/);
});

it("fault policy reconnect: an eye tracker reset is handshaken again, lights off meanwhile, the block over it flagged", async () => {
  const rig = RigConfig.parse({ faultPolicy: "reconnect" });
  const resetAtMs = 40_200;
  const { out, events, deviceEdges, outDir } = await runWithFault("eye-reset", rig, (r, clock) =>
    clock.schedule(
      () => queueMicrotask(() => injectDeviceBytes(r.paths.eyeTracker, "! 7 boot\n")),
      resetAtMs,
    ),
  );
  expect(out.status).toBe("complete");
  expect(events.find((e) => e.type === "fault")).toMatchObject({
    device: "eyeTracker",
    recoverable: true,
    message: expect.stringMatching(/restarted mid-session/),
  });
  const recovered = events.find((e) => e.type === "recovered");
  expect(recovered.t_s).toBeGreaterThan(resetAtMs / 1000);
  // Dark from the reset until the tracker was handshaken again.
  expect(
    deviceEdges.filter((e) => e.on && e.tMs > resetAtMs + 1000 && e.tMs < recovered.t_s * 1000),
  ).toHaveLength(0);
  expect(
    out.blocks.find((b) => b.t_start_s * 1000 <= resetAtMs && b.t_end_s * 1000 > resetAtMs)?.quality,
  ).toMatch(/gap/);
  expect(readSessionFolder(outDir).meta.devices?.eyeTracker?.notes?.reset).toBe(1);
});
