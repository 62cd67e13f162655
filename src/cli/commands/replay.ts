// `hokr replay SESSION_DIR`: a recorded session through the same drivers, codecs and pipeline again.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { replaySession } from "../../replay/replay.ts";
import { guarded, parseNumber, UsageError } from "../errors.ts";
import { EXIT, printOutcome, progressBar } from "./run.ts";

/** `<dir>.replay-1`, `-2`, … : the first that does not exist, so no earlier output is overwritten. */
function nextReplayDir(dir: string): string {
  for (let i = 1; ; i++)
    if (!existsSync(`${dir.replace(/\/+$/, "")}.replay-${i}`))
      return `${dir.replace(/\/+$/, "")}.replay-${i}`;
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "replay a recorded session folder through the drivers, codecs and gain pipeline (virtual clock)",
    )
    .argument("<session>", "session folder written by `hokr run`")
    .option("--speed <x>", "session-seconds per wall-second, or 'max' (default: max)", "max")
    .option("--realtime", "pace the replay in real time (same as --speed 1), to rehearse a rig")
    .option("--out <dir>", "folder for the replay's own recording (default <session>.replay-N)")
    .option(
      "--saccade-threshold <deg_per_s>",
      "re-analyse with this fast-phase velocity threshold, °/s",
      parseNumber("saccade-threshold", "°/s", (n) => n > 0),
    )
    .option(
      "--cycles-per-block <n>",
      "re-analyse with this many stimulus cycles per gain block",
      parseNumber("cycles-per-block", "cycles", (n) => Number.isInteger(n) && n > 0),
    )
    .option("--json", "print one JSON object: replay folder, gain blocks, online and offline learning")
    .action(
      guarded(
        async (
          dir: string,
          opts: {
            speed: string;
            realtime?: boolean;
            out?: string;
            saccadeThreshold?: number;
            cyclesPerBlock?: number;
            json?: boolean;
          },
        ) => {
          const speed = opts.realtime ? 1 : opts.speed === "max" ? undefined : Number(opts.speed);
          if (speed !== undefined && !(speed > 0))
            throw new UsageError(`--speed ${opts.speed}: give a positive number or 'max'`);
          const controller = new AbortController();
          process.once("SIGINT", (sig) => controller.abort(sig));
          process.once("SIGTERM", (sig) => controller.abort(sig));
          const bar = opts.json ? { update: () => {}, stop: () => {} } : progressBar();
          const outcome = await replaySession({
            dir,
            outDir: opts.out ?? nextReplayDir(dir),
            ...(speed === undefined ? {} : { speed }),
            ...(opts.saccadeThreshold === undefined
              ? {}
              : { analysis: { saccadeThresholdDegS: opts.saccadeThreshold } }),
            ...(opts.cyclesPerBlock === undefined ? {} : { cyclesPerBlock: opts.cyclesPerBlock }),
            signal: controller.signal,
            onProgress: bar.update,
          });
          bar.stop();
          if (opts.json)
            process.stdout.write(
              `${JSON.stringify({ status: outcome.status, session: outcome.dir, replayOf: dir, blocks: outcome.blocks, onlineLearning: outcome.summary.onlineLearning, offlineLearning: outcome.summary.offlineLearning, summary: outcome.summary })}\n`,
            );
          else printOutcome(outcome);
          process.exitCode = EXIT[outcome.status];
        },
      ),
    );
}
