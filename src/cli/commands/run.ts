// `hokr run PROTOCOL --sim`: one session, recorded to a session folder, with live progress.
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { Rig } from "../../../devices/rig.ts";
import { SubjectFlag } from "../../../mocks/mouse-parameters.ts";
import { runOnRig, runSimulated } from "../../app/rig-sessions.ts";
import type { Progress, RunOutcome } from "../../app/session-runner.ts";
import { GROUPS } from "../../cohort/groups.ts";
import { readJsonFile } from "../../config/json-file.ts";
import { RigConfig, SIMULATED_RIG } from "../../config/rig-config.ts";
import { exitCodesHelp, FAULT_TEXT } from "../../core/faults.ts";
import { loadProtocol } from "../../protocol/load.ts";
import { SESSION_FILES } from "../../recording/session-folder.ts";
import { stripePageForRun } from "../../web/stripe-page.ts";
import { startDashboardProcess } from "../dashboard-process.ts";
import { exitWith, guarded, numberOption, sessionStopper, UsageError } from "../errors.ts";
import { clock, fixed, signed, table } from "../format.ts";
import { raiseSessionPriority } from "../priority.ts";
import { hostOption, listenProblem, portOption, type ServeOptions } from "./dashboard.ts";
import { addExportOptions, type ExportCliOptions, exportSessions, exportSettings } from "./export.ts";

export function progressBar(): { update: (p: Progress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: " {phase} |{bar}| {elapsed} / {total_time} session | gain {gain}",
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  return {
    update(p) {
      const payload = {
        phase: p.phase.padEnd(9),
        elapsed: clock(p.tMs / 1000),
        total_time: clock(p.durationMs / 1000),
        gain: fixed(p.lastGain),
      };
      if (!started) bar.start(p.durationMs, p.tMs, payload);
      else bar.update(p.tMs, payload);
      started = true;
    },
    stop: () => bar.stop(),
  };
}

/** One line per device whose port sent lines the host rejected: how many, on which port, and where to look. */
export function rejectedLinesNotice(o: RunOutcome<Rig>): string {
  return Object.entries(o.rig.report())
    .filter(([, d]) => d.rejectedLines > 0)
    .map(
      ([device, d]) =>
        `${FAULT_TEXT.rejectedLines(device, d.port, d.rejectedLines, join(o.dir, SESSION_FILES.events))}\n`,
    )
    .join("");
}

export function printOutcome(o: RunOutcome<Rig>): void {
  const rows = o.blocks.map((b) => [
    String(b.block),
    b.phase,
    b.t_s.toFixed(0),
    fixed(b.gain),
    fixed(b.phase_lag_deg, 1),
    `${b.cycles_used}/${b.cycles_total}`,
    b.quality,
  ]);
  process.stdout.write(
    `${table([["block", "phase", "t_s", "gain", "lag_deg", "cycles", "quality"], ...rows])}\n\n`,
  );
  const s = o.summary;
  process.stdout.write(
    `online learning  ${signed(s.onlineLearning)}  (training ${fixed(s.firstTrainingGain)} → ${fixed(s.lastTrainingGain)})\n` +
      `offline learning ${signed(s.offlineLearning)}  (end of training ${fixed(s.lastTrainingGain)} → test ${fixed(s.testGain)})\n` +
      rejectedLinesNotice(o) +
      `session ${o.status} (${o.reason}); recorded in ${o.dir}\n`,
  );
}

export function registerRun(program: Command): void {
  addExportOptions(program.command("run"))
    .description(
      "run a protocol: on the simulated rig (--sim) with a virtual mouse, recording a session folder",
    )
    .argument("<protocol>", "protocol file (.json), e.g. protocols/control.json")
    .addHelpText("after", `\n${exitCodesHelp()}`)
    .option("--sim", "simulated rig with a virtual mouse (through the real drivers and wire protocols)")
    .option(
      "--firmware",
      "with --sim: light and drum on the compiled rig firmware, emulated (avr8js; slower than real time)",
    )
    .option("--rig <file>", "rig configuration: devices and ports, light channels and their safety limits")
    .option(
      "--subject <flags>",
      `comma-separated subject flags: ${SubjectFlag.options.join(", ")} (knockout = lrrc8a-ko)`,
      "",
    )
    .option("--subject-id <id>", "subject identifier written to the session (required on a real rig)")
    .option(
      "--seed <n>",
      "random seed of the virtual mouse (integer)",
      numberOption("a whole number", Number.isInteger),
      1,
    )
    .option(
      "--realtime",
      "run on the real clock (75 min for the default protocol) instead of the virtual clock",
    )
    .option(
      "--speed <x>",
      "pace the virtual clock at x session-seconds per wall-second (default: as fast as possible)",
      numberOption("a number > 0 (× real time)", (n) => n > 0),
    )
    .option("--out <dir>", "session folder to create (default sessions/<date>-<protocol>-<subject>)")
    .option("--json", "print one JSON object: session folder, gain blocks, online and offline learning")
    .option("--nwb [file]", "when the session ends, export it as NWB (default: beside the session folder)")
    .option(
      "--stripe-page",
      "with --sim: the stimulus is the stripe display page in a browser (open the printed address); real clock",
    )
    .option(
      "--dashboard",
      "watch the session live in the browser (a separate process reading the session folder)",
    )
    .addOption(portOption("dashboard"))
    .addOption(hostOption("dashboard and the stripe display page"))
    .action(
      guarded(
        async (
          file: string,
          opts: {
            sim?: boolean;
            firmware?: boolean;
            rig?: string;
            subject: string;
            subjectId?: string;
            seed: number;
            realtime?: boolean;
            speed?: number;
            out?: string;
            json?: boolean;
            nwb?: boolean | string;
            dashboard?: boolean;
            stripePage?: boolean;
          } & Omit<ExportCliOptions, "nwb" | "out" | "json"> &
            ServeOptions,
        ) => {
          if (!opts.sim && !opts.rig)
            throw new UsageError(
              "say where to run: --sim for the simulated rig, or --rig rig.json for real hardware",
            );
          const rig = opts.rig ? readJsonFile(opts.rig, RigConfig) : SIMULATED_RIG;
          if (!opts.sim && !rig.devices)
            throw new UsageError(
              `${opts.rig}: no \`devices\` section; say which port each device is on (see README)`,
            );
          if (!opts.sim && !opts.subjectId) throw new UsageError("--subject-id is required on a real rig");
          if (opts.stripePage && !opts.sim)
            throw new UsageError(
              `--stripe-page is for --sim; on a rig, give the stimulus the port path "browser:stripe" and its screen`,
            );
          const loaded = loadProtocol(file, rig);
          // Export settings are checked before the session, not found wrong after it.
          if (opts.nwb) exportSettings(opts);
          // "knockout" names the same subject as the cohort group of that name (its flags).
          const words = opts.subject
            .split(",")
            .map((f) => f.trim())
            .filter((f) => f !== "")
            .flatMap((f): string[] => (f === "knockout" ? [...GROUPS.knockout.flags] : [f]));
          // On the simulated rig flags change the virtual animal, so they must be ones it knows.
          const flags = opts.sim
            ? words.map((f) => {
                const parsed = SubjectFlag.safeParse(f);
                if (!parsed.success)
                  throw new UsageError(
                    `--subject ${f}: unknown flag; use one of ${SubjectFlag.options.join(", ")}`,
                  );
                return parsed.data;
              })
            : words;
          const subjectId = opts.subjectId ?? `virtual-mouse-${opts.seed}`;
          const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
          const outDir = opts.out ?? join("sessions", `${stamp}-${loaded.protocol.name}-${subjectId}`);
          const { signal, hurry } = sessionStopper();
          const dashboard = opts.dashboard
            ? await startDashboardProcess(outDir, {
                port: opts.port,
                ...(opts.host ? { host: opts.host } : {}),
              }).catch((e: Error) => {
                throw new UsageError(e.message);
              })
            : undefined;
          if (dashboard) process.stderr.write(`dashboard: ${dashboard.url} (process ${dashboard.pid})\n`);
          const stripe = await stripePageForRun(rig, opts).catch((e: NodeJS.ErrnoException) => {
            dashboard?.stop();
            throw new UsageError(`stripe display page: ${listenProblem(e, opts)}`);
          });
          if (stripe) {
            process.stderr.write(`stripe display: open ${stripe.url} full-screen on the rig's screen\n`);
            // The session starts once the page is there (up to 2 minutes).
            await stripe.binding.waitForPage(120_000).catch(async (e: Error) => {
              dashboard?.stop();
              await stripe.close();
              throw new UsageError(e.message);
            });
          }
          // On the real clock the deadlines are this process's to keep: it goes ahead of other programs.
          if (opts.realtime || stripe || !opts.sim) process.stderr.write(`${raiseSessionPriority()}\n`);
          const bar = opts.json ? { update: () => {}, stop: () => {} } : progressBar();
          const common = {
            loaded,
            rig,
            subjectId,
            outDir,
            signal,
            hurry,
            onProgress: bar.update,
          };
          const outcome = await (opts.sim
            ? runSimulated({
                ...common,
                flags: flags as SubjectFlag[],
                seed: opts.seed,
                firmware: opts.firmware === true,
                clock: opts.realtime || stripe ? "real" : "virtual",
                ...(stripe ? { stripePage: stripe.binding } : {}),
                ...(opts.speed === undefined ? {} : { speed: opts.speed }),
              })
            : runOnRig({ ...common, flags, ...(stripe ? { stripePage: stripe.binding } : {}) })
          ).finally(() => {
            dashboard?.stop();
            return stripe?.close();
          });
          bar.stop();
          if (opts.json)
            process.stdout.write(
              `${JSON.stringify({ status: outcome.status, session: outcome.dir, blocks: outcome.blocks, onlineLearning: outcome.summary.onlineLearning, offlineLearning: outcome.summary.offlineLearning, summary: outcome.summary })}\n`,
            );
          else printOutcome(outcome);
          if (opts.json) process.stderr.write(rejectedLinesNotice(outcome));
          if (opts.nwb) {
            // --out is the session folder here; the file goes to --nwb FILE, else beside the folder.
            const { out: _folder, nwb, json: _json, ...described } = opts;
            const exportOptions: ExportCliOptions = {
              ...described,
              nwb: true,
              ...(typeof nwb === "string" ? { out: nwb } : {}),
            };
            const [r] = await exportSessions([outcome.dir], exportOptions, new Date());
            if (r && !opts.json) process.stdout.write(`NWB file ${r.file}\n`);
          }
          await exitWith(outcome.exitCode);
        },
      ),
    );
}
