// The floor under issue #14's two ratio rows (bench/floor.child.ts): how much of each ratio the least work on
// the required path already takes, measured in alternated rounds beside its reference. A row's target can be
// met only if it lies on the right side of its floor, with room for everything the floor leaves out.
//   - 200 Hz: the floor's live path against the virtual mouse alone (the session row: target ≤ 3×);
//   - 1 kHz: the floor's live path against the floor's replay of its lines (the replay row: target ≥ 3×).
// Each with the eye.tsv rows formatted and written inline, and without them (the part no second thread can take).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { benchChild } from "./child.ts";
import { interleaved, spread } from "./interleaved.ts";

const ROUNDS = 3;

interface Run {
  wallS: number;
  frames: number;
}

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hokr-bench-floor-"));
  try {
    // The session and replay rows' sessions: 15 min training, 60 min rest, 10 test cycles.
    const sessionS = loadProtocol("protocols/control.json", SIMULATED_RIG).timeline.durationS;
    const child = (mode: string, rateHz: number, ...flags: string[]) =>
      benchChild<Run>("floor", [mode, String(sessionS), String(rateHz), dir, ...flags]);
    const ratio = (a: Run[], b: Run[]) => a.map((r, i) => r.wallS / (b[i] as Run).wallS);
    const lines: string[] = [`${ROUNDS} alternated rounds each; median (range)`];
    for (const rows of [true, false]) {
      const flags = rows ? [] : ["--no-rows"];
      const what = rows ? "with eye.tsv rows" : "without rows";
      const mouse = await interleaved(
        ROUNDS,
        () => child("mouse", 200),
        () => child("live", 200, ...flags),
      );
      child("live", 1000, "--keep", "--no-rows");
      const replay = await interleaved(
        ROUNDS,
        () => child("live", 1000, ...flags),
        () => child("replay", 1000, ...flags),
      );
      rmSync(join(dir, "lines"), { force: true });
      lines.push(
        `floor ${what}, 200 Hz: ${spread(
          mouse.subject.map((r) => r.wallS),
          2,
        )} s, ${spread(ratio(mouse.subject, mouse.reference), 2)}× the mouse alone (${spread(
          mouse.reference.map((r) => r.wallS),
          2,
        )} s); the session row's target is ≤ 3×`,
        `floor ${what}, 1 kHz: live ${spread(
          replay.reference.map((r) => r.wallS),
          2,
        )} s, replay ${spread(
          replay.subject.map((r) => r.wallS),
          2,
        )} s: the replay ${spread(ratio(replay.reference, replay.subject), 2)}× faster; the replay row's target is ≥ 3×`,
      );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
