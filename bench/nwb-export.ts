// `hokr export --nwb` of a long session (targets: a 76-min session at 1 kHz in < 5 s, peak memory < 300 MB).
// The session folder is written by the real recorder from a synthetic 1 kHz eye trace (fast phases, blinks,
// noise), a 100 Hz drum, 1 Hz light pulses through training and the gain blocks of the live analysis
// operators; the export runs in a fresh process (its max RSS is its own). Reference, same run and process:
// reading the folder's two sample files alone; the ratio shows what analysis + HDF5 add to reading.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { map, Subject } from "rxjs";
import { type AnalysisInput, analyzeCycle, assembleCycles, collectBlocks } from "../src/analysis/cycles.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { sessionMeta } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { batchOf } from "../src/core/samples.ts";
import { epochsOf } from "../src/engine/session.ts";
import { timelineEvents } from "../src/engine/timeline-events.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { SessionRecorder } from "../src/recording/session-recorder.ts";
import { syntheticTrace } from "../tests/helpers/synthetic-trace.ts";
import { benchChild } from "./child.ts";

const RATE_HZ = 1000;
const TARGET_S = 5;
const TARGET_MB = 300;

/** Writes a 76-min session folder through SessionRecorder; returns the number of eye samples. */
export function writeSession(dir: string): number {
  // The study's ChR2 protocol: 15 min training with 1 Hz pulses, 60 min rest, test.
  const loaded = loadProtocol(
    fileURLToPath(new URL("../protocols/chr2-training.json", import.meta.url)),
    SIMULATED_RIG,
  );
  const { timeline } = loaded;
  const subject = { id: "bench-mouse", flags: [], seed: 1, simulated: true };
  const recorder = new SessionRecorder(dir, {
    ...sessionMeta(loaded, SIMULATED_RIG, subject, new Date("2026-11-30T09:00:00Z")),
    status: "running",
    clock: "virtual",
  });
  const analysis = new Subject<AnalysisInput>();
  analysis
    .pipe(
      assembleCycles(),
      map(analyzeCycle(DEFAULT_ANALYSIS)),
      collectBlocks(timeline.trainingStartS * 1000, DEFAULT_ANALYSIS),
    )
    .subscribe((b) => recorder.block(b));
  for (const e of timelineEvents(timeline).flatMap(epochsOf)) analysis.next(e);
  const trace = syntheticTrace({ rateHz: RATE_HZ, durationS: timeline.durationS, seed: 1, noiseDeg: 0.3 });
  const stimOn = timeline.phases.filter((p) => p.stimulus);
  let nextStimMs = 0;
  let nextEdgeMs = 0;
  for (let i = 0; i < trace.t.length; i++) {
    const tMs = Math.round((trace.t[i] as number) * 1e6) / 1000;
    for (; nextStimMs <= tMs; nextStimMs += 10) {
      const phase = stimOn.find((p) => p.startS * 1000 <= nextStimMs && nextStimMs < p.endS * 1000);
      if (!phase?.stimulus) continue;
      const s = (nextStimMs / 1000 - phase.startS) * phase.stimulus.frequencyHz;
      const positionDeg = Math.round(phase.stimulus.amplitudeDeg * Math.sin(2 * Math.PI * s) * 1e4) / 1e4;
      const batch = batchOf([{ tMs: nextStimMs, deg: positionDeg }]);
      recorder.stimulus(batch);
      analysis.next({ kind: "stim", batch });
    }
    for (; nextEdgeMs <= Math.min(tMs, 900_000); nextEdgeMs += 500) {
      const on = nextEdgeMs % 1000 === 0 && nextEdgeMs < 900_000;
      recorder.event({
        type: "light-edge",
        tMs: nextEdgeMs,
        deviceUs: nextEdgeMs * 1000,
        channel: "blue",
        on,
        powerMw: on ? 3 : 0,
      });
    }
    const batch = batchOf([{ tMs, deg: Math.round((trace.x[i] as number) * 1e4) / 1e4 }]);
    recorder.eye(batch);
    analysis.next({ kind: "eye", batch });
  }
  analysis.complete();
  recorder.finish(
    "complete",
    { reason: "end of protocol", sessionS: timeline.durationS },
    new Date().toISOString(),
  );
  return trace.t.length;
}

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hokr-bench-nwb-"));
  try {
    const session = join(dir, "session");
    const samples = writeSession(session);
    const out = join(dir, "session.nwb");
    const run = benchChild<{
      exportS: number;
      exportCpuS: number;
      readS: number;
      rows: number;
      maxRssMb: number;
      result: { warnings: string[]; cycles: number; blocks: number };
    }>("nwb-export", [session, out], [import.meta.resolve("h5wasm/node")]);
    const tsvMb =
      (statSync(join(session, "eye.tsv")).size + statSync(join(session, "stimulus.tsv")).size) / 1e6;
    const lines = [
      `session: 76 min, ${samples} eye samples at ${RATE_HZ} Hz + ${run.rows - samples} stimulus samples (${tsvMb.toFixed(0)} MB TSV); ` +
        `${run.result.cycles} cycles, ${run.result.blocks} blocks; NWB file ${(statSync(out).size / 1e6).toFixed(0)} MB`,
      `export time        ${run.exportS.toFixed(2).padStart(6)} s    (target < ${TARGET_S} s: ${run.exportS < TARGET_S ? "met" : "NOT met"}); ` +
        `CPU time ${run.exportCpuS.toFixed(2)} s (single-threaded: the wall time of an idle core); load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
      `peak memory (RSS)  ${run.maxRssMb.toFixed(0).padStart(6)} MB   (target < ${TARGET_MB} MB: ${run.maxRssMb < TARGET_MB ? "met" : "NOT met"}; whole process incl. Node, tsx, h5wasm)`,
      `reference: reading the two TSVs alone ${run.readS.toFixed(2)} s; export / read ${(run.exportS / run.readS).toFixed(1)}×`,
      ...run.result.warnings.map((w) => `warning: ${w}`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
