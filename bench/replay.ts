// Replay speed: a recorded 75-min session with 1 kHz eye samples played back through the drivers, codecs and
// pipeline (target ≥ 2000× real time, i.e. under 2.3 s, and ≥ 3× faster than the live run), with peak memory;
// the live simulated run that recorded it is the reference measured in the same run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MouseParameters } from "../mocks/mouse-parameters.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";

export async function bench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "hokr-bench-replay-"));
  try {
    const loaded = loadProtocol("protocols/control.json", SIMULATED_RIG);
    const mouse = MouseParameters.parse({ sampleRateHz: 1000 });
    const t0 = performance.now();
    await runSimulated({ loaded, seed: 1, mouse, outDir: join(root, "live") });
    const liveS = (performance.now() - t0) / 1000;
    const r = JSON.parse(
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          new URL("./replay.child.ts", import.meta.url).pathname,
          join(root, "live"),
          join(root, "replay"),
        ],
        {
          encoding: "utf8",
        },
      ),
    ) as { status: string; wallS: number; maxRssMB: number };
    const sessionS = loaded.timeline.durationS;
    const speed = sessionS / r.wallS;
    const faster = liveS / r.wallS;
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    process.stdout.write(
      `replay of a ${(sessionS / 60).toFixed(0)}-min session at 1 kHz (${Math.round(sessionS * 1000).toLocaleString("en")} eye lines): ` +
        `${r.wallS.toFixed(1)} s wall, ${speed.toFixed(0)}× real time (target ≥ 2000×: ${verdict(speed >= 2000)}), peak ${r.maxRssMB.toFixed(0)} MB, ${r.status}\n` +
        `reference: the live simulated run that recorded it took ${liveS.toFixed(1)} s (${(sessionS / liveS).toFixed(0)}× real time); ` +
        `replay is ${faster.toFixed(2)}× faster than the live run (target ≥ 3×: ${verdict(faster >= 3)})\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
