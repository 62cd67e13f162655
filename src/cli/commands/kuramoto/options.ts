// What the `hokr kuramoto` subcommands share: option parsers and groups, building a run, output formats.
import { writeFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { z } from "zod";
import { SIMULATED_RIG } from "../../../config/rig-config.ts";
import {
  type Classification,
  type ClassifyOptions,
  ClassifyOptionsSchema,
  type WindowState,
} from "../../../models/kuramoto/classify.ts";
import { PRESETS, type PresetName, type Run, RunSchema } from "../../../models/kuramoto/model.ts";
import type { GainSchedule } from "../../../models/kuramoto/modulation.ts";
import type { Recording } from "../../../models/kuramoto/simulate.ts";
import { loadProtocol } from "../../../protocol/load.ts";
import { lightOnIntervals } from "../../../protocol/timeline.ts";
import { numberOption, UsageError } from "../../errors.ts";
import { fixed } from "../../format.ts";

export const num = numberOption("a number");
export const int = numberOption("a whole number", Number.isSafeInteger);
export const range = (value: string): [number, number] => {
  const parts = value.split(":").map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new InvalidArgumentError("expected FROM:TO");
  return parts as [number, number];
};
/** "on-off,on-off" in seconds */
export const intervals = (value: string): { on: number; off: number }[] =>
  value.split(",").map((pair) => {
    const [on, off] = pair.split("-").map(Number);
    if (on === undefined || off === undefined || !Number.isFinite(on) || !Number.isFinite(off)) {
      throw new InvalidArgumentError(`expected ON-OFF[,ON-OFF…] in seconds, got "${pair}"`);
    }
    return { on, off };
  });

export interface ModelOpts {
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
export interface RunOpts extends ModelOpts {
  method: "euler" | "rk4";
  dt: number;
  duration: number;
  recordEvery: number;
  seed: number;
  initR: number;
  threads: number;
}
export interface ClassifyOpts {
  transient: number;
  low: number;
  high: number;
}
export interface OutputOpts {
  json?: boolean;
  plot?: string;
  out?: string;
}

/** Option flag for each schema path, so that validation messages name what the user typed. */
export const FLAGS: Record<string, string> = {
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

export function validated<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
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

export function addModelOptions(cmd: Command, preset: PresetName): Command {
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

export function addRunOptions(cmd: Command, d: { duration: number; initR: number }): Command {
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

export function addThresholdOptions(cmd: Command): Command {
  return cmd
    .option("--low <R>", "R below which the network counts as desynchronised (dimensionless)", num, 0.15)
    .option("--high <R>", "R above which the network counts as synchronised (dimensionless)", num, 0.3);
}

export function addClassifyOptions(cmd: Command, transient: number): Command {
  return addThresholdOptions(
    cmd.option("--transient <s>", "initial time left out of the classification (s)", num, transient),
  );
}

export function addOutputOptions(cmd: Command, out: string): Command {
  return cmd
    .option("--json", "print one JSON object on stdout")
    .option("--plot <file.svg>", "write a chart (SVG)")
    .option("--out <file.tsv>", out);
}

export function modelInput(o: ModelOpts) {
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

export function buildRun(o: RunOpts, modulation?: GainSchedule): Run {
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

export const classifyOptions = (o: ClassifyOpts): ClassifyOptions =>
  validated(ClassifyOptionsSchema, { transient: o.transient, low: o.low, high: o.high, minFraction: 0.05 });

export function recordingTsv(rec: Recording): string {
  const cols = ["t", "RE", "psiE", "RI", "psiI", "R", "psi", "gain"] as const;
  const head = "t_s\tR_E\tpsi_E_rad\tR_I\tpsi_I_rad\tR\tpsi_rad\tgain";
  const rows = Array.from(rec.t, (_, i) =>
    cols.map((c) => Number((rec[c][i] as number).toPrecision(7))).join("\t"),
  );
  return `${[head, ...rows].join("\n")}\n`;
}

export const recordingJson = (rec: Recording) =>
  Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, Array.from(v as Float64Array)]));

export function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function describeRun(run: Run): string {
  const { E, I, K } = run.model;
  return (
    `N_E = ${E.n}, N_I = ${I.n}; K_EE = ${K.EE}, K_EI = ${K.EI}, K_IE = ${K.IE}, K_II = ${K.II} rad/s; ` +
    `${run.model.distribution} ω (E ${E.center} ± ${E.width}, I ${I.center} ± ${I.width} rad/s), D = ${run.model.noise} rad²/s`
  );
}

export const classificationLines = (c: Classification) => [
  `state: ${c.state} (${c.reason})`,
  `R mean ${fixed(c.meanR)} sd ${fixed(c.sdR)} range ${fixed(c.minR)}–${fixed(c.maxR)}; ` +
    `dwell high ${fixed(c.dwellHigh, 2)} s, low ${fixed(c.dwellLow, 2)} s; bimodality ${fixed(c.bimodality)}`,
];

/** Merges consecutive windows with the same state. */
export function segments(ws: WindowState[]): { start: number; end: number; state: string }[] {
  const out: { start: number; end: number; state: string }[] = [];
  for (const w of ws) {
    const last = out.at(-1);
    if (last && last.state === w.state) last.end = w.end;
    else out.push({ start: w.start, end: w.end, state: w.state });
  }
  return out;
}

/** Light-on intervals (s) of a protocol's light schedules, optionally of one channel: what the light would do. */
export function protocolLightIntervals(
  file: string,
  channel: string | undefined,
): { on: number; off: number }[] {
  const { timeline } = loadProtocol(file, SIMULATED_RIG);
  const schedules = timeline.light.filter((l) => channel === undefined || l.channel === channel);
  if (schedules.length === 0)
    throw new UsageError(
      `${file}: no light schedule${channel ? ` on channel '${channel}'` : ""}; nothing to drive the inhibition`,
    );
  return schedules.flatMap((l) => [...lightOnIntervals(l)].map(([on, off]) => ({ on, off })));
}
