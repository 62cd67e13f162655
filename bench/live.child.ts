// The replay row's reference: the live simulated run that records the session to be replayed, in a fresh
// process as `hokr run --sim` and its replay (bench/replay.child.ts) each are, so neither starts warm.
// Usage: tsx bench/live.child.ts OUT_DIR
import { performance } from "node:perf_hooks";
import { MouseParameters } from "../mocks/mouse-parameters.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { peakRssMB } from "./child.ts";

const [outDir] = process.argv.slice(2) as [string];
const loaded = loadProtocol("protocols/control.json", SIMULATED_RIG);
const mouse = MouseParameters.parse({ sampleRateHz: 1000 });
const t0 = performance.now();
const out = await runSimulated({ loaded, seed: 1, mouse, outDir });
const wallS = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({ status: out.status, wallS, sessionS: loaded.timeline.durationS, maxRssMB: peakRssMB() })}\n`,
);
