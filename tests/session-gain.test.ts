// The gain the pipeline recovers from the virtual mouse's eye trace (saccades, blinks, drift and noise
// included) must match the gain the mouse really had, block by block.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { shortRestProtocols } from "./helpers/short-protocol.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-gain-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** The protocols with a 5-min rest: every block is still measured (training, and the test after the rest). */
const protocols = shortRestProtocols(join(root, "protocols"));

describe("gain recovered from a simulated session", () => {
  it.each([
    ["control", 1],
    ["chr2-training", 2],
    ["archt-rest", 3],
  ])("matches the virtual mouse's true gain within 0.02 in every block (%s, seed %i)", async (name, seed) => {
    const loaded = loadProtocol(join(protocols, `${name}.json`), SIMULATED_RIG);
    const out = await runSimulated({ loaded, seed, outDir: join(root, `${name}-${seed}`) });
    expect(out.status).toBe("complete");
    // 15 training blocks of 10 cycles (153 cycles in 15 min at 0.17 Hz) and one test block.
    expect(out.blocks.map((b) => b.phase)).toEqual([...Array(15).fill("training"), "test"]);
    const trainingStartS = loaded.timeline.trainingStartS;
    for (const b of out.blocks) {
      const truth = out.rig.mouse.meanTrueGain(trainingStartS + b.t_start_s, trainingStartS + b.t_end_s);
      expect(b.quality).toBe("ok");
      expect(Math.abs(b.gain - truth)).toBeLessThan(0.02);
    }
  });
});
