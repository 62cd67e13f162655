// `hokr replay SESSION_DIR`: a recorded session through the same drivers, codecs and pipeline again; or
// `hokr replay TRACE --protocol P`: another system's eye trace run as if it were a session.
import { existsSync, statSync } from "node:fs";
import { type Command, Option } from "commander";
import { SIMULATED_RIG } from "../../config/rig-config.ts";
import { loadProtocol } from "../../protocol/load.ts";
import { TraceColumns } from "../../recording/trace-file.ts";
import { replayTrace } from "../../replay/foreign.ts";
import { replaySession } from "../../replay/replay.ts";
import { exitWith, guarded, numberOption, sessionStopper, UsageError } from "../errors.ts";
import { columnMapping } from "./analyze.ts";
import { printOutcome, progressBar } from "./run.ts";

/** `<path>.replay-1`, `-2`, … : the first that does not exist, so no earlier output is overwritten. */
function nextReplayDir(path: string): string {
  const base = path.replace(/\/+$/, "");
  for (let i = 1; ; i++) if (!existsSync(`${base}.replay-${i}`)) return `${base}.replay-${i}`;
}

interface ReplayOptions {
  protocol?: string;
  columns?: Record<string, string>;
  timeUnit: "s" | "ms" | "us";
  traceStart?: number;
  speed: string;
  realtime?: boolean;
  out?: string;
  saccadeThreshold?: number;
  cyclesPerBlock?: number;
  json?: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "replay a recorded session folder (or, with --protocol, an eye trace from another system) through the drivers, codecs and gain pipeline",
    )
    .argument(
      "<session>",
      "session folder written by `hokr run`, or an eye-trace CSV/TSV file with --protocol",
    )
    .option("--speed <x>", "session-seconds per wall-second, or 'max' (default: max)", "max")
    .option("--realtime", "pace the replay in real time (same as --speed 1), to rehearse a rig")
    .option("--out <dir>", "folder for the replay's own recording (default <session>.replay-N)")
    .option(
      "--saccade-threshold <deg_per_s>",
      "re-analyse with this fast-phase velocity threshold, °/s",
      numberOption("a number > 0 (°/s)", (n) => n > 0),
    )
    .option(
      "--cycles-per-block <n>",
      "re-analyse with this many stimulus cycles per gain block",
      numberOption("a whole number > 0 (cycles)", (n) => Number.isInteger(n) && n > 0),
    )
    .option("--protocol <file>", "trace file: the protocol it was recorded under")
    .option(
      "--columns <map>",
      "trace file: ROLE=NAME pairs, t (time), x (eye, deg), stim (stimulus, deg)",
      columnMapping,
    )
    .addOption(
      new Option("--time-unit <unit>", "trace file: unit of its time column")
        .choices(["s", "ms", "us"])
        .default("s"),
    )
    .option(
      "--trace-start <t>",
      "trace file: trace time at which the protocol starts, in --time-unit (default: the first sample)",
      numberOption("a number (trace time)"),
    )
    .option("--json", "print one JSON object: replay folder, gain blocks, online and offline learning")
    .action(
      guarded(async (path: string, opts: ReplayOptions) => {
        const speed = opts.realtime ? 1 : opts.speed === "max" ? undefined : Number(opts.speed);
        if (speed !== undefined && !(speed > 0))
          throw new UsageError(`--speed ${opts.speed}: give a positive number or 'max'`);
        const isFolder = existsSync(path) && statSync(path).isDirectory();
        if (!isFolder && !opts.protocol)
          throw new UsageError(
            `${path}: not a session folder; to replay an eye trace file, give --protocol FILE`,
          );
        const { signal } = sessionStopper();
        const bar = opts.json ? { update: () => {}, stop: () => {} } : progressBar();
        const common = {
          outDir: opts.out ?? nextReplayDir(path),
          ...(speed === undefined ? {} : { speed }),
          signal,
          onProgress: bar.update,
        };
        const outcome = isFolder
          ? await replaySession({
              ...common,
              dir: path,
              ...(opts.saccadeThreshold === undefined
                ? {}
                : { analysis: { saccadeThresholdDegS: opts.saccadeThreshold } }),
              ...(opts.cyclesPerBlock === undefined ? {} : { cyclesPerBlock: opts.cyclesPerBlock }),
            })
          : await replayTrace({
              ...common,
              file: path,
              format: {
                ...(opts.columns ? { columns: TraceColumns.parse(opts.columns) } : {}),
                timeUnit: opts.timeUnit,
              },
              loaded: loadProtocol(opts.protocol as string, SIMULATED_RIG),
              ...(opts.traceStart === undefined ? {} : { traceStart: opts.traceStart }),
            });
        bar.stop();
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify({ status: outcome.status, session: outcome.dir, replayOf: path, blocks: outcome.blocks, onlineLearning: outcome.summary.onlineLearning, offlineLearning: outcome.summary.offlineLearning, summary: outcome.summary })}\n`,
          );
        else printOutcome(outcome);
        await exitWith(outcome.exitCode);
      }),
    );
}
