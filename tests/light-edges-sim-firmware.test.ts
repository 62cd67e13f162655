// Issue #11's protocol (500 ms pulses every 1000 ms, trains of 1.25 s every 3.25 s) on `--sim` and on
// `--sim --firmware` (the compiled firmware on avr8js): the same light edges, within 2 ms of recorded session
// time. The light window opens with a phase that also restarts the drum, so the firmware's UART carries the
// SINE, PWR and TRAIN commands at the window's start: the engine has to send the train ahead, with its start
// in the device's clock, for the edges to land on time.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import type { FirmwareSimulatedRig } from "../src/rig/firmware-simulated-rig.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-edges-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const protocol = Protocol.parse({
  name: "issue-11-trains",
  stimulus: { frequencyHz: 1 },
  phases: [
    { name: "baseline", durationS: 1, stimulus: { on: true }, cyclesPerBlock: 1 },
    // Two whole train cycles (3.25 s each) less the last 0.5 s: the window closes in the dark.
    { name: "training", durationS: 6, stimulus: { on: true }, cyclesPerBlock: 3 },
  ],
  light: [
    {
      channel: "blue",
      opsin: "ChR2",
      wavelengthNm: 470,
      powerMw: 3,
      window: { phase: "training" },
      pattern: {
        kind: "pulses",
        pulseWidthMs: 500,
        periodMs: 1000,
        trainDurationS: 1.25,
        interTrainIntervalS: 2,
      },
    },
  ],
});

interface Edge {
  tMs: number;
  on: boolean;
}

async function recordedEdges(name: string, firmware: boolean) {
  const outDir = join(root, name);
  const out = await runSimulated({
    loaded: checkProtocol(name, protocol, SIMULATED_RIG),
    seed: 3,
    firmware,
    outDir,
  });
  const log = readFileSync(join(outDir, "events.jsonl"), "utf8");
  expect(
    out.status,
    log
      .split("\n")
      .filter((l) => /error|fault|session-end/.test(l))
      .join("\n"),
  ).toBe("complete");
  const edges: Edge[] = readFileSync(join(outDir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === "light-edge" && e.channel === "blue")
    .map((e) => ({ tMs: e.t_s * 1000, on: e.on }));
  return { edges, rig: out.rig };
}

const maxDifferenceMs = (a: readonly Edge[], b: readonly Edge[]) =>
  Math.max(...a.map((e, i) => Math.abs(e.tMs - (b[i]?.tMs ?? Number.NaN))));

it("the issue's pulse trains have the same edges on --sim and --sim --firmware, within 2 ms", async () => {
  const sim = await recordedEdges("sim", false);
  const fw = await recordedEdges("firmware", true);
  // Pulses whole, by the one pulse-train rule: 1.0–1.5, 2.0–2.5, 4.25–4.75, 5.25–5.75 s of session time.
  const schedule = [1000, 1500, 2000, 2500, 4250, 4750, 5250, 5750];
  expect(sim.edges.map((e) => e.on)).toEqual(schedule.map((_, i) => i % 2 === 0));
  expect(fw.edges.map((e) => e.on)).toEqual(sim.edges.map((e) => e.on));
  const recorded = maxDifferenceMs(fw.edges, sim.edges);
  // The board's gate pin too: the light it emitted, not only what the record says.
  const pins = (fw.rig as FirmwareSimulatedRig).board.lightEdges
    .filter((e) => e.channel === 0 && e.tMs >= 0)
    .map((e) => ({ tMs: e.tMs, on: e.on }));
  expect(pins.map((e) => e.on)).toEqual(sim.edges.map((e) => e.on));
  const emitted = maxDifferenceMs(pins, sim.edges);
  console.log(
    `max |Δ| firmware − sim: recorded ${recorded.toFixed(3)} ms, gate pin ${emitted.toFixed(3)} ms; ` +
      `sim − schedule ${maxDifferenceMs(
        sim.edges,
        schedule.map((tMs) => ({ tMs, on: true })),
      ).toFixed(3)} ms`,
  );
  expect(recorded).toBeLessThanOrEqual(2);
  expect(emitted).toBeLessThanOrEqual(2);
}, 240_000);
