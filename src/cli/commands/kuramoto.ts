// `hokr kuramoto simulate|theory|sweep|modulate`: the EI-Kuramoto network model (src/models/kuramoto).
import { writeFileSync } from "node:fs";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { z } from "zod";
import { SIMULATED_RIG } from "../../config/rig-config.ts";
import {
  type Classification,
  type ClassifyOptions,
  ClassifyOptionsSchema,
  classify,
  classifyWindows,
  type WindowState,
} from "../../models/kuramoto/classify.ts";
import { PRESETS, type PresetName, type Run, RunSchema } from "../../models/kuramoto/model.ts";
import { type GainSchedule, GainScheduleSchema } from "../../models/kuramoto/modulation.ts";
import {
  coherentFixedPoints,
  incoherenceEigenvalues,
  oaParams,
  oaPredict,
  oaTrajectory,
  singlePopulationR,
  type Z,
} from "../../models/kuramoto/oa.ts";
import { heatmapSpec, renderSvg, timeSeriesSpec } from "../../models/kuramoto/plots.ts";
import { type Recording, simulate } from "../../models/kuramoto/simulate.ts";
import { defaultWorkers, runSweep, SweepSchema, sweepTsv } from "../../models/kuramoto/sweep.ts";
import { loadProtocol } from "../../protocol/load.ts";
import { lightOnIntervals } from "../../protocol/timeline.ts";
import { guarded, numberOption, UsageError } from "../errors.ts";
import { fixed, table } from "../format.ts";

const num = numberOption("a number");
const int = numberOption("a whole number", Number.isSafeInteger);
const range = (value: string): [number, number] => {
  const parts = value.split(":").map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new InvalidArgumentError("expected FROM:TO");
  return parts as [number, number];
};
/** "on-off,on-off" in seconds */
const intervals = (value: string): { on: number; off: number }[] =>
  value.split(",").map((pair) => {
    const [on, off] = pair.split("-").map(Number);
    if (on === undefined || off === undefined || !Number.isFinite(on) || !Number.isFinite(off)) {
      throw new InvalidArgumentError(`expected ON-OFF[,ON-OFF…] in seconds, got "${pair}"`);
    }
    return { on, off };
  });

interface ModelOpts {
  preset: PresetName;
  kee?: number;
  kei?: number;
  kie?: number;
  kii?: number;
  ne: number;
  ni: number;
  dist: "lorentzian" | "gaussian";
  sampling: "quantile" | "random";
  centerE: number;
  centerI: number;
  widthE: number;
  widthI: number;
  noise: number;
}
interface RunOpts extends ModelOpts {
  method: "euler" | "rk4";
  dt: number;
  duration: number;
  recordEvery: number;
  seed: number;
  initR: number;
  threads: number;
}
interface ClassifyOpts {
  transient: number;
  low: number;
  high: number;
}
interface OutputOpts {
  json?: boolean;
  plot?: string;
  out?: string;
}

/** Option flag for each schema path, so that validation messages name what the user typed. */
const FLAGS: Record<string, string> = {
  "model.E.n": "--ne",
  "model.I.n": "--ni",
  "model.K.EE": "--kee",
  "model.K.EI": "--kei",
  "model.K.IE": "--kie",
  "model.K.II": "--kii",
  "model.E.center": "--center-e",
  "model.I.center": "--center-i",
  "model.E.width": "--width-e",
  "model.I.width": "--width-i",
  "model.noise": "--noise",
  model: "--ne/--ni",
  method: "--method",
  dt: "--dt",
  duration: "--duration",
  recordEvery: "--record-every",
  seed: "--seed",
  initR0: "--init-r",
  threads: "--threads",
  "modulation.depth": "--depth",
  "modulation.frequency": "--freq",
  "modulation.intervals": "--light",
  "modulation.gain": "--light-gain",
  "modulation.targets": "--targets",
  transient: "--transient",
  low: "--low/--high",
  high: "--high",
  workers: "--workers",
  x: "--x/--x-range/--x-steps",
  y: "--y/--y-range/--y-steps",
};

function validated<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  const path = issue.path.map(String).join(".");
  const key = Object.keys(FLAGS)
    .filter((k) => `${prefix}${path}`.startsWith(k))
    .sort((a, b) => b.length - a.length)[0];
  const where = key ? (FLAGS[key] as string) : `${prefix}${path}` || "options";
  throw new UsageError(`kuramoto: ${where}: ${issue.message}`);
}

function addModelOptions(cmd: Command, preset: PresetName): Command {
  return cmd
    .addOption(
      new Option("--preset <name>", "documented coupling set (see README); --kee… override it")
        .choices(Object.keys(PRESETS))
        .default(preset),
    )
    .option("--kee <rad/s>", "K_EE: excitatory input onto E (rad/s)", num)
    .option("--kei <rad/s>", "K_EI: inhibitory input from I onto E (rad/s)", num)
    .option("--kie <rad/s>", "K_IE: excitatory input from E onto I (rad/s)", num)
    .option("--kii <rad/s>", "K_II: inhibitory input onto I (rad/s)", num)
    .option("--ne <count>", "number of excitatory oscillators (0–1e6)", int, 800)
    .option("--ni <count>", "number of inhibitory oscillators (0–1e6)", int, 200)
    .addOption(
      new Option("--dist <name>", "natural-frequency distribution")
        .choices(["lorentzian", "gaussian"])
        .default("lorentzian"),
    )
    .addOption(
      new Option("--sampling <how>", "frequencies at the (j+½)/N quantiles or drawn at random (seeded)")
        .choices(["quantile", "random"])
        .default("quantile"),
    )
    .option("--center-e <rad/s>", "centre of E's natural frequencies (rad/s)", num, 0)
    .option("--center-i <rad/s>", "centre of I's natural frequencies (rad/s)", num, 0)
    .option("--width-e <rad/s>", "E's Lorentzian half-width or Gaussian SD (rad/s)", num, 1)
    .option("--width-i <rad/s>", "I's Lorentzian half-width or Gaussian SD (rad/s)", num, 1)
    .option("--noise <rad²/s>", "phase noise intensity D (rad²/s; needs --method euler)", num, 0);
}

function addRunOptions(cmd: Command, d: { duration: number; initR: number }): Command {
  return cmd
    .addOption(
      new Option("--method <name>", "integrator: rk4 (noise-free) or euler (Euler–Maruyama)")
        .choices(["rk4", "euler"])
        .default("rk4"),
    )
    .option("--dt <s>", "integration step (s)", num, 0.05)
    .option("--duration <s>", "simulated time (s)", num, d.duration)
    .option("--record-every <s>", "recording interval of the order parameters (s)", num, 0.1)
    .option("--seed <int>", "random seed (frequencies, initial phases, noise)", int, 1)
    .option(
      "--init-r <R>",
      "order parameter at t = 0 (0 = uniform phases, 1 = all in phase; dimensionless)",
      num,
      d.initR,
    )
    .option("--threads <n>", "threads for this run (1 = in-process)", int, 1);
}

function addThresholdOptions(cmd: Command): Command {
  return cmd
    .option("--low <R>", "R below which the network counts as desynchronised (dimensionless)", num, 0.15)
    .option("--high <R>", "R above which the network counts as synchronised (dimensionless)", num, 0.3);
}

function addClassifyOptions(cmd: Command, transient: number): Command {
  return addThresholdOptions(
    cmd.option("--transient <s>", "initial time left out of the classification (s)", num, transient),
  );
}

function addOutputOptions(cmd: Command, out: string): Command {
  return cmd
    .option("--json", "print one JSON object on stdout")
    .option("--plot <file.svg>", "write a chart (SVG)")
    .option("--out <file.tsv>", out);
}

function modelInput(o: ModelOpts) {
  const base = PRESETS[o.preset];
  return {
    E: { n: o.ne, center: o.centerE, width: o.widthE },
    I: { n: o.ni, center: o.centerI, width: o.widthI },
    K: { EE: o.kee ?? base.EE, EI: o.kei ?? base.EI, IE: o.kie ?? base.IE, II: o.kii ?? base.II },
    distribution: o.dist,
    sampling: o.sampling,
    noise: o.noise,
  };
}

function buildRun(o: RunOpts, modulation?: GainSchedule): Run {
  return validated(RunSchema, {
    model: modelInput(o),
    method: o.method,
    dt: o.dt,
    duration: o.duration,
    recordEvery: o.recordEvery,
    seed: o.seed,
    initR0: o.initR,
    threads: o.threads,
    modulation,
  });
}

const classifyOptions = (o: ClassifyOpts): ClassifyOptions =>
  validated(ClassifyOptionsSchema, { transient: o.transient, low: o.low, high: o.high, minFraction: 0.05 });

function recordingTsv(rec: Recording): string {
  const cols = ["t", "RE", "psiE", "RI", "psiI", "R", "psi", "gain"] as const;
  const head = "t_s\tR_E\tpsi_E_rad\tR_I\tpsi_I_rad\tR\tpsi_rad\tgain";
  const rows = Array.from(rec.t, (_, i) =>
    cols.map((c) => Number((rec[c][i] as number).toPrecision(7))).join("\t"),
  );
  return `${[head, ...rows].join("\n")}\n`;
}

const recordingJson = (rec: Recording) =>
  Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, Array.from(v as Float64Array)]));

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

function describeRun(run: Run): string {
  const { E, I, K } = run.model;
  return (
    `N_E = ${E.n}, N_I = ${I.n}; K_EE = ${K.EE}, K_EI = ${K.EI}, K_IE = ${K.IE}, K_II = ${K.II} rad/s; ` +
    `${run.model.distribution} ω (E ${E.center} ± ${E.width}, I ${I.center} ± ${I.width} rad/s), D = ${run.model.noise} rad²/s`
  );
}

const classificationLines = (c: Classification) => [
  `state: ${c.state} (${c.reason})`,
  `R mean ${fixed(c.meanR)} sd ${fixed(c.sdR)} range ${fixed(c.minR)}–${fixed(c.maxR)}; ` +
    `dwell high ${fixed(c.dwellHigh, 2)} s, low ${fixed(c.dwellLow, 2)} s; bimodality ${fixed(c.bimodality)}`,
];

/** Merges consecutive windows with the same state. */
function segments(ws: WindowState[]): { start: number; end: number; state: string }[] {
  const out: { start: number; end: number; state: string }[] = [];
  for (const w of ws) {
    const last = out.at(-1);
    if (last && last.state === w.state) last.end = w.end;
    else out.push({ start: w.start, end: w.end, state: w.state });
  }
  return out;
}

/** Light-on intervals (s) of a protocol's light schedules, optionally of one channel: what the light would do. */
function protocolLightIntervals(file: string, channel: string | undefined): { on: number; off: number }[] {
  const { timeline } = loadProtocol(file, SIMULATED_RIG);
  const schedules = timeline.light.filter((l) => channel === undefined || l.channel === channel);
  if (schedules.length === 0)
    throw new UsageError(
      `${file}: no light schedule${channel ? ` on channel '${channel}'` : ""}; nothing to drive the inhibition`,
    );
  return schedules.flatMap((l) => [...lightOnIntervals(l)].map(([on, off]) => ({ on, off })));
}

export function registerKuramoto(program: Command): void {
  const k = program
    .command("kuramoto")
    .description(
      "EI-Kuramoto network (Kuroki & Mizuseki 2025): excitatory and inhibitory phase oscillators; " +
        "simulate, classify (sync/async/bistable), OA theory, phase-diagram sweeps, modulated inhibition",
    );

  const sim = k.command("simulate").description("simulate one network and classify its state");
  addOutputOptions(
    addClassifyOptions(addRunOptions(addModelOptions(sim, "bistable"), { duration: 100, initR: 0 }), 30),
    "write the recording R_E, ψ_E, R_I, ψ_I, R, ψ, g (TSV)",
  );
  sim.action(
    guarded(async (o: RunOpts & ClassifyOpts & OutputOpts) => {
      const run = buildRun(o);
      const copts = classifyOptions(o);
      const result = await simulate(run);
      const rec = result.recording;
      const c = classify(rec.t, rec.R, copts);
      if (o.out) write(o.out, recordingTsv(rec));
      if (o.plot) write(o.plot, await renderSvg(timeSeriesSpec(rec, `EI-Kuramoto: ${c.state}`, false)));
      const n = run.model.E.n + run.model.I.n;
      const rate = (n * result.steps * (run.method === "rk4" ? 4 : 1)) / result.seconds;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ command: "simulate", run, classification: c, steps: result.steps, seconds: result.seconds, recording: recordingJson(rec) })}\n`,
        );
        return;
      }
      process.stdout.write(
        [
          describeRun(run),
          `${run.method}, dt ${run.dt} s, ${result.steps} steps in ${result.seconds.toFixed(2)} s (${(rate / 1e6).toFixed(1)} M oscillator-evaluations/s, ${run.threads} thread(s))`,
          `final R_E ${fixed(rec.RE.at(-1) as number)}, R_I ${fixed(rec.RI.at(-1) as number)}, R ${fixed(rec.R.at(-1) as number)}`,
          ...classificationLines(c),
          "",
        ].join("\n"),
      );
    }),
  );

  const th = k
    .command("theory")
    .description("Ott–Antonsen analysis (Lorentzian frequencies, N → ∞, no noise)");
  addModelOptions(th, "bistable")
    .option("--duration <s>", "time of the OA trajectory (s)", num, 60)
    .option("--dt <s>", "RK4 step of the OA trajectory (s)", num, 0.005)
    .option("--record-every <s>", "recording interval of the OA trajectory (s)", num, 0.1)
    .option("--init-r <R>", "R_E = R_I at t = 0, in phase (dimensionless)", num, 0.9);
  addOutputOptions(addThresholdOptions(th), "write the OA trajectory (TSV)");
  th.action(
    guarded(
      async (
        o: ModelOpts &
          OutputOpts &
          ClassifyOpts & { duration: number; dt: number; recordEvery: number; initR: number },
      ) => {
        const run = buildRun({ ...o, method: "rk4", seed: 1, threads: 1 });
        if (run.model.distribution !== "lorentzian") {
          throw new UsageError("kuramoto theory: the OA reduction needs --dist lorentzian");
        }
        if (!(o.initR >= 0 && o.initR <= 1))
          throw new UsageError("kuramoto theory: --init-r: must be in [0, 1]");
        const p = oaParams(run.model);
        const eig = incoherenceEigenvalues(p);
        const fps = coherentFixedPoints(p);
        const prediction = oaPredict(p, classifyOptions({ ...o, transient: 0 }));
        const rec = oaTrajectory(p, [o.initR, 0, o.initR, 0] as Z, run.duration, run.dt, run.recordEvery);
        const K = run.model.K;
        const single = run.model.I.n === 0 ? singlePopulationR(K.EE, run.model.E.width) : undefined;
        if (o.out) write(o.out, recordingTsv(rec));
        if (o.plot)
          write(o.plot, await renderSvg(timeSeriesSpec(rec, `OA prediction: ${prediction.state}`, false)));
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "theory", model: run.model, incoherence: { eigenvalues: eig, stable: (eig[0]?.re ?? 0) < 0 }, fixedPoints: fps, prediction, singlePopulationR: single, trajectory: recordingJson(rec) })}\n`,
          );
          return;
        }
        const lines = [
          describeRun(run),
          `incoherence: eigenvalues ${eig.map((e) => `${fixed(e.re)}${e.im >= 0 ? "+" : "−"}${fixed(Math.abs(e.im))}i`).join(", ")} 1/s → ${(eig[0]?.re ?? 0) < 0 ? "stable" : "unstable"}`,
        ];
        if (single !== undefined) lines.push(`single population: R∞ = √(1 − 2Δ/K) = ${fixed(single, 6)}`);
        lines.push(
          fps.length === 0
            ? "no coherent fixed point"
            : table([
                ["R", "R_E", "R_I", "ψ_I−ψ_E (rad)", "Ω (rad/s)", "stable", "largest Re λ (1/s)"],
                ...fps.map((f) => [
                  fixed(f.R, 6),
                  fixed(f.RE, 6),
                  fixed(f.RI, 6),
                  fixed(f.phaseLag),
                  fixed(f.frequency),
                  f.stable ? "yes" : "no",
                  fixed(f.eigenvalues[0]?.re ?? Number.NaN),
                ]),
              ]),
          `prediction: ${prediction.state} (${prediction.attractors.map((a) => `from ${a.from}: R ${fixed(a.Rmin)}–${fixed(a.Rmax)}`).join("; ")})`,
          "",
        );
        process.stdout.write(lines.join("\n"));
      },
    ),
  );

  const sw = k
    .command("sweep")
    .description("phase diagram over two couplings, in parallel, with the OA boundary");
  addModelOptions(sw, "bistable");
  addRunOptions(sw, { duration: 100, initR: 0 });
  addClassifyOptions(sw, 30)
    .addOption(
      new Option("--x <coupling>", "coupling on the x axis").choices(["EE", "EI", "IE", "II"]).default("EE"),
    )
    .option("--x-range <from:to>", "x range (rad/s)", range, [0, 10])
    .option("--x-steps <n>", "x grid points", int, 11)
    .addOption(
      new Option("--y <coupling>", "coupling on the y axis").choices(["EE", "EI", "IE", "II"]).default("EI"),
    )
    .option("--y-range <from:to>", "y range (rad/s)", range, [0, 10])
    .option("--y-steps <n>", "y grid points", int, 11)
    .option("--workers <n>", "worker threads (default: all cores)", int, defaultWorkers());
  addOutputOptions(sw, "write the grid (TSV)");
  sw.action(
    guarded(
      async (
        o: RunOpts &
          ClassifyOpts &
          OutputOpts & {
            x: "EE" | "EI" | "IE" | "II";
            y: "EE" | "EI" | "IE" | "II";
            xRange: [number, number];
            yRange: [number, number];
            xSteps: number;
            ySteps: number;
            workers: number;
          },
      ) => {
        const spec = validated(SweepSchema, {
          run: buildRun(o),
          x: { coupling: o.x, from: o.xRange[0], to: o.xRange[1], steps: o.xSteps },
          y: { coupling: o.y, from: o.yRange[0], to: o.yRange[1], steps: o.ySteps },
          classify: classifyOptions(o),
          workers: o.workers,
        });
        const bar = new SingleBar({
          format: "sweep [{bar}] {value}/{total} cells, {duration}s elapsed, ETA {eta}s",
          stream: process.stderr,
        });
        bar.start(o.xSteps * o.ySteps, 0);
        const result = await runSweep(spec, (done) => bar.update(done)).finally(() => bar.stop());
        const tsv = sweepTsv(spec, result);
        if (o.out) write(o.out, tsv);
        if (o.plot) {
          const cells = result.cells.map((c) => ({
            x: c.x,
            y: c.y,
            state: c.classification.state,
            meanR: c.classification.meanR,
            oaState: c.oaState,
          }));
          const title = "EI-Kuramoto phase diagram";
          write(
            o.plot,
            await renderSvg(
              heatmapSpec(cells, `K_${o.x} (rad/s)`, `K_${o.y} (rad/s)`, result.boundary, title),
            ),
          );
        }
        const counts = Object.fromEntries(
          (["sync", "bistable", "async"] as const).map((s) => [
            s,
            result.cells.filter((c) => c.classification.state === s).length,
          ]),
        );
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "sweep", sweep: spec, counts, seconds: result.seconds, cells: result.cells, boundary: result.boundary })}\n`,
          );
          return;
        }
        if (!o.out) process.stdout.write(tsv);
        process.stderr.write(
          `${result.cells.length} cells in ${result.seconds.toFixed(1)} s on ${spec.workers} worker(s): ` +
            `${counts.sync} sync, ${counts.bistable} bistable, ${counts.async} async\n`,
        );
      },
    ),
  );

  const mod = k
    .command("modulate")
    .description("periodic (or light-driven) modulation of inhibition: g(t) multiplies K_EI and/or K_II");
  addModelOptions(mod, "crossing");
  addRunOptions(mod, { duration: 400, initR: 0 });
  addClassifyOptions(mod, 0)
    .option(
      "--depth <m>",
      "modulation depth m: g(t) = 1 + m·sin(2πft + phase) (0–1, dimensionless)",
      num,
      0.8,
    )
    .option("--freq <Hz>", "modulation frequency f (Hz)", num, 0.005)
    .option("--phase <rad>", "modulation phase at t = 0 (rad)", num, 0)
    .option("--targets <list>", "couplings multiplied by g: EI, II or EI,II", (v) => v.split(","), [
      "EI",
      "II",
    ])
    .option(
      "--light <on-off,…>",
      "instead of the sine: light-on intervals (s), e.g. 50-100,200-250",
      intervals,
    )
    .option("--light-gain <g>", "gain while the light is on (dimensionless)", num, 2)
    .option(
      "--protocol <file>",
      "instead of --light: the light-on intervals of a protocol's light schedules (s)",
    )
    .option("--channel <name>", "with --protocol: only this light channel's schedules (e.g. blue)")
    .option("--window <s>", "window for the state timeline (s)", num, 20);
  addOutputOptions(mod, "write the recording with g(t) (TSV)");
  mod.action(
    guarded(
      async (
        o: RunOpts &
          ClassifyOpts &
          OutputOpts & {
            depth: number;
            freq: number;
            phase: number;
            targets: string[];
            light?: { on: number; off: number }[];
            lightGain: number;
            protocol?: string;
            channel?: string;
            window: number;
          },
      ) => {
        if (o.protocol) o.light = protocolLightIntervals(o.protocol, o.channel);
        const targets = validated(
          GainScheduleSchema.options[0].shape.targets,
          o.targets,
          "modulation.targets.",
        );
        const modulation = o.light
          ? validated(
              GainScheduleSchema,
              { kind: "intervals", intervals: o.light, gain: o.lightGain, targets },
              "modulation.",
            )
          : validated(
              GainScheduleSchema,
              { kind: "sine", depth: o.depth, frequency: o.freq, phase: o.phase, targets },
              "modulation.",
            );
        const run = buildRun(o, modulation);
        if (!(o.window > 0)) throw new UsageError("kuramoto modulate: --window: must be > 0 s");
        const copts = classifyOptions(o);
        const { recording: rec } = await simulate(run);
        const windows = classifyWindows(rec.t, rec.R, o.window, copts);
        if (windows.length === 0)
          throw new UsageError("kuramoto modulate: --window: longer than the run after --transient");
        const visited = [...new Set(windows.map((w) => w.state))];
        if (o.out) write(o.out, recordingTsv(rec));
        if (o.plot) {
          write(
            o.plot,
            await renderSvg(
              timeSeriesSpec(
                rec,
                `EI-Kuramoto, inhibition ×g(t) on ${targets.join(", ")}: ${visited.join(" → ")}`,
                true,
              ),
            ),
          );
        }
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "modulate", run, windows, visited, recording: recordingJson(rec) })}\n`,
          );
          return;
        }
        process.stdout.write(
          [
            describeRun(run),
            modulation.kind === "sine"
              ? `g(t) = 1 + ${o.depth}·sin(2π·${o.freq} Hz·t + ${o.phase}) on K_${targets.join(", K_")}`
              : `g = ${o.lightGain} during light (${modulation.intervals.map((iv) => `${iv.on}–${iv.off} s`).join(", ")}) on K_${targets.join(", K_")}`,
            table([
              ["from (s)", "to (s)", "state"],
              ...segments(windows).map((s) => [s.start.toFixed(0), s.end.toFixed(0), s.state]),
            ]),
            `states visited: ${visited.join(", ")}`,
            "",
          ].join("\n"),
        );
      },
    ),
  );
}
