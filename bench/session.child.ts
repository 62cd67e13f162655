// One simulated session in a fresh process, so its peak memory (max RSS) is its own.
// Usage: tsx bench/session.child.ts REST_MIN OUT_DIR [--samples-only]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { peakRssMB } from "./child.ts";
import { mouseAlone } from "./mouse-alone.ts";

const restMin = Number(process.argv[2] ?? 60);
const samplesOnly = process.argv.includes("--samples-only");
const protocol = Protocol.parse({
  name: "bench",
  phases: [
    { name: "training", durationS: 900, stimulus: { on: true } },
    { name: "rest", durationS: restMin * 60 },
    { name: "test", cycles: 10, stimulus: { on: true } },
  ],
});
const loaded = checkProtocol("bench", protocol, SIMULATED_RIG);
const sessionS = loaded.timeline.durationS;
const dir = mkdtempSync(join(tmpdir(), "hokr-bench-"));
const t0 = performance.now();
const cpu0 = process.cpuUsage();
if (samplesOnly) {
  // Reference: the virtual mouse alone producing the same 200 Hz eye samples, no engine, analysis or disk.
  if (mouseAlone(sessionS, 200) === 42) process.stdout.write("");
} else {
  await runSimulated({ loaded, seed: 1, outDir: join(dir, "session") });
}
const wallS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ sessionS, wallS, cpuS, maxRssMB: peakRssMB() })}\n`);
