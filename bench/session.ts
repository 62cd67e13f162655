// Issue #14's session rows, each against a reference measured in the same run (the ratio rows in alternated rounds):
// - a full simulated session (through the serial drivers, codecs and the simulated binding, engine, analysis,
//   recording to disk) against the same virtual mouse producing its samples alone (target ≤ 3× its wall time);
// - that session's speed (target ≥ 3000× real time) and peak memory (< 200 MB, flat in session length);
// - `npm start` wall time, the README's first command after `npm ci` (target < 3 s).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { benchChild } from "./child.ts";
import { interleaved, median, spread } from "./interleaved.ts";

interface Run {
  sessionS: number;
  wallS: number;
  cpuS: number;
  maxRssMB: number;
}

const child = (args: string[]) => benchChild<Run>("session", args);

const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

/** Wall time of `npm start` (into a temporary folder), s. */
function npmStart(env: NodeJS.ProcessEnv): number {
  const dir = mkdtempSync(join(tmpdir(), "hokr-bench-start-"));
  try {
    const t0 = performance.now();
    execFileSync("npm", ["start", "--silent", "--", "--out", join(dir, "session")], {
      stdio: "ignore",
      env: { ...process.env, ...env },
    });
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rounds of the reference and the full session, alternated (bench/interleaved.ts). */
const ROUNDS = 3;

export async function bench(): Promise<void> {
  const rounds = await interleaved(
    ROUNDS,
    () => child(["60", "--samples-only"]),
    () => child(["60"]),
  );
  const long = child(["240"]);
  const speed = (r: Run) => r.sessionS / r.wallS;
  const line = (name: string, r: Run) =>
    `${name.padEnd(44)} ${(r.sessionS / 60).toFixed(1).padStart(6)} min  ${r.wallS.toFixed(2).padStart(6)} s wall  ${r.cpuS.toFixed(2).padStart(6)} s CPU  ${speed(r).toFixed(0).padStart(6)}× real time  peak ${r.maxRssMB.toFixed(0)} MB`;
  /** The round whose wall time is the median (its own figures, not a mix of rounds). */
  const medianRun = (runs: Run[]) =>
    [...runs].sort((a, b) => a.wallS - b.wallS)[(runs.length - 1) >> 1] as Run;
  const reference = medianRun(rounds.reference);
  const standard = medianRun(rounds.subject);
  const costs = rounds.subject.map((s, i) => s.wallS / (rounds.reference[i] as Run).wallS);
  const cpuCosts = rounds.subject.map((s, i) => s.cpuS / (rounds.reference[i] as Run).cpuS);
  const cost = median(costs);
  const speeds = rounds.subject.map(speed);
  // As on a fresh clone: the CLI's bundle is what `npm ci` built (its `prepare` script), timed apart.
  const cache = new URL("../node_modules/.cache/hokr-cli", import.meta.url);
  rmSync(cache, { recursive: true, force: true });
  const t0 = performance.now();
  execFileSync("npm", ["run", "prepare", "--silent"], { stdio: "ignore" });
  const prepareS = (performance.now() - t0) / 1000;
  const startFresh = npmStart({});
  const startWarm = npmStart({});
  // The first command after a source changed builds the bundle itself.
  rmSync(cache, { recursive: true, force: true });
  const startUnbuilt = npmStart({});
  process.stdout.write(
    `${[
      `${ROUNDS} alternated rounds of the reference and the full session; the round with the median wall time of each:`,
      line("reference: virtual mouse samples only", reference),
      line("full session through serial, default bench", standard),
      line("full session through serial, 4× longer rest", long),
      "",
      `full session vs the mouse's samples alone: ${spread(costs, 1)}× the reference's wall time, median (range) ` +
        `over the rounds (${spread(cpuCosts, 1)}× its CPU time; target ≤ 3×: ${verdict(cost <= 3)})`,
      `full simulated session: ${spread(speeds, 0)}× real time (target ≥ 3000×: ${verdict(median(speeds) >= 3000)})`,
      `npm start (control protocol, --sim): ${startFresh.toFixed(2)} s wall on a fresh clone after npm ci ` +
        `(target < 3 s: ${verdict(startFresh < 3)}), ${startWarm.toFixed(2)} s on a later run; ` +
        `npm ci's build of the CLI's bundle ${prepareS.toFixed(2)} s, or the first command after a source ` +
        `changed, which builds it, ${startUnbuilt.toFixed(2)} s`,
      `peak memory: ${standard.maxRssMB.toFixed(0)} MB (target < 200 MB: ${verdict(standard.maxRssMB < 200)}); ` +
        `${(long.sessionS / standard.sessionS).toFixed(1)}× longer session → ${(long.maxRssMB / standard.maxRssMB).toFixed(2)}× the memory ` +
        `(flat: ${verdict(long.maxRssMB / standard.maxRssMB < 1.2)})`,
    ].join("\n")}\n`,
  );
}
