// Replays one recorded session folder in a fresh process and prints its speed and peak memory (JSON).
// Usage: tsx bench/replay.child.ts SESSION_DIR OUT_DIR
import { performance } from "node:perf_hooks";
import { replaySession } from "../src/replay/replay.ts";
import { peakRssMB } from "./child.ts";

const [dir, outDir] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const out = await replaySession({ dir, outDir });
const wallS = (performance.now() - t0) / 1000;
const lastBlock = out.blocks.at(-1);
process.stdout.write(
  `${JSON.stringify({ status: out.status, wallS, sessionS: lastBlock ? lastBlock.t_end_s : 0, maxRssMB: peakRssMB() })}\n`,
);
