// One NWB export in a fresh process, so its peak memory (max RSS) is its own. Started with h5wasm imported
// before tsx's hooks, as the `hokr` command does. Usage: node --import h5wasm/node --import tsx
// bench/nwb-export.child.ts SESSION_DIR OUT.nwb; prints one JSON line.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { exportNwb } from "../src/export/nwb-export.ts";
import { tsvColumns } from "../src/recording/recorded-rows.ts";
import { SESSION_FILES } from "../src/recording/session-folder.ts";
import { peakRssMB } from "./child.ts";

const [dir, out] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const result = await exportNwb(dir, { out, now: new Date() });
const cpu = process.cpuUsage(cpu0);
const exportS = (performance.now() - t0) / 1000;
const exportCpuS = (cpu.user + cpu.system) / 1e6;
// Reference, after the export (so the export gets no warm-up from it): reading the two sample files alone.
const r0 = performance.now();
let rows = 0;
for (const [file, value] of [
  [SESSION_FILES.eye, "x_deg"],
  [SESSION_FILES.stimulus, "position_deg"],
] as const)
  for (const b of tsvColumns(join(dir, file), ["t_us", value])) rows += b.rows;
const readS = (performance.now() - r0) / 1000;
process.stdout.write(
  `${JSON.stringify({ exportS, exportCpuS, readS, rows, maxRssMb: peakRssMB(), result })}\n`,
);
