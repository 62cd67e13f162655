// Replay speed: a recorded 75-min session with 1 kHz eye samples played back through the drivers, codecs and
// pipeline (target ≥ 2000× real time, i.e. under 2.3 s, and ≥ 3× faster than the live run), with peak memory;
// the live simulated run that recorded it is the reference, in rounds alternated with its replay, each run in
// a fresh process (as `hokr run --sim` and `hokr replay` are): a live run in this process would start warm
// from the second round on, its code already compiled, where every replay starts cold.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { benchChild } from "./child.ts";
import { interleaved, median, spread } from "./interleaved.ts";

/** Rounds of the live run and its replay, alternated (bench/interleaved.ts). */
const ROUNDS = 3;

interface Run {
  status: string;
  wallS: number;
  maxRssMB: number;
}

export async function bench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "hokr-bench-replay-"));
  try {
    const loaded = loadProtocol("protocols/control.json", SIMULATED_RIG);
    // Each round: the live run (the reference), then its replay.
    const rounds = await interleaved(
      ROUNDS,
      (round) => {
        const dir = join(root, `live-${round}`);
        return { dir, ...benchChild<Run>("live", [dir]) };
      },
      (round, live) => {
        const out = join(root, `replay-${round}`);
        const replayed = benchChild<Run>("replay", [live.dir, out]);
        // 360 MB a round: gone before the next one.
        rmSync(live.dir, { recursive: true, force: true });
        rmSync(out, { recursive: true, force: true });
        return replayed;
      },
    );
    const liveS = rounds.reference.map((r) => r.wallS);
    const replays = rounds.subject;
    const sessionS = loaded.timeline.durationS;
    const speeds = replays.map((r) => sessionS / r.wallS);
    const faster = replays.map((r, i) => (liveS[i] as number) / r.wallS);
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    const status = [...new Set(replays.map((r) => r.status))].join(", ");
    process.stdout.write(
      `${ROUNDS} alternated rounds of a live run and its replay; median (range) over the rounds\n` +
        `replay of a ${(sessionS / 60).toFixed(0)}-min session at 1 kHz (${Math.round(sessionS * 1000).toLocaleString("en")} eye lines): ` +
        `${spread(
          replays.map((r) => r.wallS),
          1,
        )} s wall, ${spread(speeds, 0)}× real time (target ≥ 2000×: ${verdict(median(speeds) >= 2000)}), ` +
        `peak ${Math.max(...replays.map((r) => r.maxRssMB)).toFixed(0)} MB, ${status}\n` +
        `reference: the live simulated run that recorded it took ${spread(liveS, 1)} s; ` +
        `replay is ${spread(faster, 2)}× faster than the live run (target ≥ 3×: ${verdict(median(faster) >= 3)})\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
