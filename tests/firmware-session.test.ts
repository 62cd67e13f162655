// `--sim --firmware`: a whole (short) session with light and drum on the compiled firmware, emulated; the
// session engine, drivers and codecs are the ones a real rig uses.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import type { FirmwareSimulatedRig } from "../src/rig/firmware-simulated-rig.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-fw-session-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("runs a session on the emulated board: device-timed pulses, drum positions, gain blocks", async () => {
  const protocol = Protocol.parse({
    name: "firmware",
    stimulus: { frequencyHz: 1 },
    phases: [
      { name: "training", durationS: 6, stimulus: { on: true }, cyclesPerBlock: 3 },
      { name: "rest", durationS: 1 },
      { name: "test", cycles: 3, stimulus: { on: true }, cyclesPerBlock: 3 },
    ],
    light: [
      {
        channel: "blue",
        opsin: "ChR2",
        wavelengthNm: 470,
        powerMw: 3,
        window: { phase: "training" },
        pattern: { kind: "pulses", pulseWidthMs: 100, periodMs: 250 },
      },
    ],
  });
  const outDir = join(root, "s");
  const out = await runSimulated({
    loaded: checkProtocol("fw", protocol, SIMULATED_RIG),
    seed: 2,
    firmware: true,
    outDir,
  });
  expect(out.status).toBe("complete");
  expect(out.blocks.map((b) => [b.phase, b.quality])).toEqual([
    ["training", "ok"],
    ["training", "ok"],
    ["test", "ok"],
  ]);
  const edges = readFileSync(join(outDir, "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === "light-edge");
  // 6 s of 250 ms periods: 24 pulses, each 100 ms wide on the device's own clock (4 µs timer ticks).
  const on = edges.filter((e) => e.on);
  const off = edges.filter((e) => !e.on);
  expect(on).toHaveLength(24);
  for (const [i, e] of on.entries())
    expect(Math.abs((off[i]?.deviceUs ?? 0) - e.deviceUs - 100_000)).toBeLessThanOrEqual(4);
  expect(edges.at(-1)?.on).toBe(false);
  // In session time too: the device clock's alignment keeps the recorded periods at 250 ms (lines stamped on
  // arrival to within the virtual-clock step; 250 ms steps once made the alignment jump by several ms).
  for (let i = 1; i < on.length; i++)
    expect(Math.abs((on[i].t_s - on[i - 1].t_s) * 1000 - 250)).toBeLessThanOrEqual(0.5);
  // And the recorded edges are the board's: each within 1 ms of its gate pin's change (the alignment
  // subtracts each line's own time on the 115200 baud UART).
  const { board } = out.rig as FirmwareSimulatedRig;
  const pin = board.lightEdges.filter((e) => e.channel === 0 && e.tMs >= 0);
  expect(pin).toHaveLength(edges.length);
  edges.forEach((e, i) => {
    expect(pin[i]?.on).toBe(e.on);
    expect(Math.abs(e.t_s * 1000 - (pin[i]?.tMs ?? Number.NaN))).toBeLessThanOrEqual(1);
  });
  // The eye followed the drum the firmware drove: phase lags are small and consistent across phases.
  for (const b of out.blocks) expect(Math.abs(b.phase_lag_deg - 12)).toBeLessThan(8);
  expect(readFileSync(join(outDir, "stimulus.tsv"), "utf8").split("\n").length).toBeGreaterThan(300);
  // The emulated board runs at about twice real time, stepped every 0.25 ms of session time.
}, 240_000);
