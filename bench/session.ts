// Virtual-clock speed and peak memory of a full simulated session (engine + analysis + recording to disk).
// Targets: ≥ 1000 session-seconds per wall-second; peak memory < 200 MB and flat in session length.
import { execFileSync } from "node:child_process";

interface Run {
  sessionS: number;
  wallS: number;
  maxRssMB: number;
}

const child = (args: string[]): Run =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ["--import", "tsx", new URL("./session.child.ts", import.meta.url).pathname, ...args],
      {
        encoding: "utf8",
      },
    ),
  ) as Run;

export async function bench(): Promise<void> {
  const reference = child(["60", "--samples-only"]);
  const standard = child(["60"]);
  const long = child(["240"]);
  const speed = (r: Run) => r.sessionS / r.wallS;
  const line = (name: string, r: Run) =>
    `${name.padEnd(44)} ${(r.sessionS / 60).toFixed(1).padStart(6)} min  ${r.wallS.toFixed(2).padStart(6)} s wall  ${speed(r).toFixed(0).padStart(6)}× real time  peak ${r.maxRssMB.toFixed(0)} MB`;
  process.stdout.write(
    `${[
      line("reference: virtual mouse samples only", reference),
      line("full session, default protocol", standard),
      line("full session, 4× longer rest", long),
      "",
      `virtual-clock speed: ${speed(standard).toFixed(0)}× real time (target ≥ 1000×: ${speed(standard) >= 1000 ? "met" : "MISSED"})`,
      `pipeline cost vs sample generation alone: ${(standard.wallS / reference.wallS).toFixed(1)}× the reference's wall time`,
      `peak memory: ${standard.maxRssMB.toFixed(0)} MB (target < 200 MB: ${standard.maxRssMB < 200 ? "met" : "MISSED"}); ` +
        `${(long.sessionS / standard.sessionS).toFixed(1)}× longer session → ${(long.maxRssMB / standard.maxRssMB).toFixed(2)}× the memory`,
    ].join("\n")}\n`,
  );
}
