// `hokr run PROTOCOL --sim`: one session, recorded to a session folder, with live progress.
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { Rig } from "../../../devices/rig.ts";
import { drawMouse, MouseParameters, type Opsin, SubjectFlag } from "../../../mocks/mouse-parameters.ts";
import { createSerialSimulatedRig, type SerialSimulatedRig } from "../../../mocks/serial-simulated-rig.ts";
import { createSimulatedRig, type SimulatedRig } from "../../../mocks/simulated-rig.ts";
import { type MouseWorld, VirtualMouse } from "../../../mocks/virtual-mouse.ts";
import { DEFAULT_ANALYSIS } from "../../analysis/settings.ts";
import { readJsonFile } from "../../config/json-file.ts";
import { type Progress, type RunOutcome, runSession } from "../../engine/run.ts";
import { type LoadedProtocol, loadProtocol } from "../../protocol/load.ts";
import { Random } from "../../random.ts";
import { RigConfig, SIMULATED_RIG } from "../../rig/rig-config.ts";
import { guarded, parseNumber, UsageError } from "../errors.ts";
import { clock, fixed, signed, table } from "../format.ts";
import { SOFTWARE } from "../software.ts";

export interface SimulatedRunOptions {
  loaded: LoadedProtocol;
  rig?: RigConfig;
  flags?: SubjectFlag[];
  seed: number;
  subjectId?: string;
  outDir: string;
  clock?: "virtual" | "real";
  speed?: number;
  mouse?: MouseParameters;
  /** Devices behind the real drivers, codecs and (simulated) serial ports; false = in-process devices. */
  throughSerial?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** Runs a protocol on the simulated rig with a virtual mouse drawn from `seed`. */
export function runSimulated(o: SimulatedRunOptions) {
  const rig = o.rig ?? SIMULATED_RIG;
  const flags = o.flags ?? [];
  const params = o.mouse ?? MouseParameters.parse({});
  const random = new Random(o.seed);
  const opsins = [...new Set(o.loaded.protocol.light.map((l) => l.opsin))] as Opsin[];
  const individual = drawMouse(params, random.fork(), flags, opsins);
  return runSession<SimulatedRig | SerialSimulatedRig>({
    timeline: o.loaded.timeline,
    analysis: DEFAULT_ANALYSIS,
    clock: o.clock ?? "virtual",
    ...(o.speed === undefined ? {} : { speed: o.speed }),
    makeRig: (c): SimulatedRig | Promise<SerialSimulatedRig> => {
      const makeMouse = (world: MouseWorld) => new VirtualMouse(individual, params, world, random.fork());
      return o.throughSerial === false
        ? createSimulatedRig(c, rig, params.sampleRateHz, makeMouse)
        : createSerialSimulatedRig(c, rig, params.sampleRateHz, makeMouse);
    },
    outDir: o.outDir,
    meta: {
      format: "hokr-session/1",
      protocolFile: o.loaded.file,
      protocolHash: o.loaded.hash,
      protocol: o.loaded.protocol,
      rig,
      subject: { id: o.subjectId ?? `virtual-mouse-${o.seed}`, flags, seed: o.seed, simulated: true },
      software: SOFTWARE,
      analysis: DEFAULT_ANALYSIS,
      startedAt: new Date().toISOString(),
      timeline: {
        durationS: o.loaded.timeline.durationS,
        trainingStartS: o.loaded.timeline.trainingStartS,
        phases: o.loaded.timeline.phases.map((p) => ({
          name: p.name,
          startS: p.startS,
          endS: p.endS,
          stimulusOn: p.stimulus !== null,
        })),
      },
    },
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    wallClock: () => new Date(),
  });
}

function progressBar(): { update: (p: Progress) => void; stop: () => void } {
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
      `session ${o.status} (${o.reason}); recorded in ${o.dir}\n`,
  );
}

const EXIT: Record<RunOutcome<never>["status"], number> = { complete: 0, interrupted: 130, failed: 1 };

export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run a protocol: on the simulated rig (--sim) with a virtual mouse, recording a session folder",
    )
    .argument("<protocol>", "protocol file (.json), e.g. protocols/control.json")
    .option("--sim", "simulated rig with a virtual mouse (the only rig until a rig configuration is given)")
    .option("--rig <file>", "rig configuration (light channels and limits)")
    .option("--subject <flags>", `comma-separated subject flags: ${SubjectFlag.options.join(", ")}`, "")
    .option("--subject-id <id>", "subject identifier written to the session (default virtual-mouse-SEED)")
    .option(
      "--seed <n>",
      "random seed of the virtual mouse (integer)",
      parseNumber("seed", "integer", Number.isInteger),
      1,
    )
    .option(
      "--realtime",
      "run on the real clock (75 min for the default protocol) instead of the virtual clock",
    )
    .option(
      "--speed <x>",
      "pace the virtual clock at x session-seconds per wall-second (default: as fast as possible)",
      parseNumber("speed", "× real time", (n) => n > 0),
    )
    .option("--out <dir>", "session folder to create (default sessions/<date>-<protocol>-<subject>)")
    .option("--json", "print one JSON object: session folder, gain blocks, online and offline learning")
    .action(
      guarded(
        async (
          file: string,
          opts: {
            sim?: boolean;
            rig?: string;
            subject: string;
            subjectId?: string;
            seed: number;
            realtime?: boolean;
            speed?: number;
            out?: string;
            json?: boolean;
          },
        ) => {
          if (!opts.sim) throw new UsageError("only simulated rigs are supported so far: add --sim");
          const rig = opts.rig ? readJsonFile(opts.rig, RigConfig) : SIMULATED_RIG;
          const loaded = loadProtocol(file, rig);
          const flags = opts.subject
            .split(",")
            .map((f) => f.trim())
            .filter((f) => f !== "")
            .map((f) => {
              const parsed = SubjectFlag.safeParse(f);
              if (!parsed.success)
                throw new UsageError(
                  `--subject ${f}: unknown flag; use one of ${SubjectFlag.options.join(", ")}`,
                );
              return parsed.data;
            });
          const subjectId = opts.subjectId ?? `virtual-mouse-${opts.seed}`;
          const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
          const outDir = opts.out ?? join("sessions", `${stamp}-${loaded.protocol.name}-${subjectId}`);
          const controller = new AbortController();
          const onSignal = (sig: NodeJS.Signals) => controller.abort(sig);
          process.once("SIGINT", onSignal);
          process.once("SIGTERM", onSignal);
          const bar = opts.json ? { update: () => {}, stop: () => {} } : progressBar();
          const outcome = await runSimulated({
            loaded,
            rig,
            flags,
            seed: opts.seed,
            subjectId,
            outDir,
            clock: opts.realtime ? "real" : "virtual",
            ...(opts.speed === undefined ? {} : { speed: opts.speed }),
            signal: controller.signal,
            onProgress: bar.update,
          });
          bar.stop();
          if (opts.json)
            process.stdout.write(
              `${JSON.stringify({ status: outcome.status, session: outcome.dir, blocks: outcome.blocks, onlineLearning: outcome.summary.onlineLearning, offlineLearning: outcome.summary.offlineLearning, summary: outcome.summary })}\n`,
            );
          else printOutcome(outcome);
          process.exitCode = EXIT[outcome.status];
        },
      ),
    );
}
