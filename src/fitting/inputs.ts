// Reading `hokr fit` inputs: a session folder (gain.tsv + session.json) or a bare gain.tsv, into the
// blocks to fit and the stimulus schedule that drives the models.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import type { GainBlock } from "../analysis/gain-block.ts";
import type { Schedule } from "../models/learning/index.ts";
import { GainTableError, parseGainTable } from "../recording/gain-table.ts";
import type { AnimalData } from "./model-fit.ts";

/** The part of session.json the fitter needs; other fields are allowed and ignored. */
export const SessionTimeline = z.looseObject({
  timeline: z.looseObject({
    /** Start of the training phase, s since session start. */
    trainingStartS: z.number(),
    phases: z
      .array(
        z.looseObject({
          name: z.string(),
          /** s since session start */
          startS: z.number(),
          endS: z.number(),
          stimulusOn: z.boolean(),
        }),
      )
      .min(1),
  }),
});
export type SessionTimeline = z.infer<typeof SessionTimeline>;

export interface ScheduleOptions {
  /** Training length for a bare gain.tsv, min. */
  readonly trainingMin: number;
  /** Rest length after training for a bare gain.tsv, min. */
  readonly restMin: number;
  /** "cycles": block SD ∝ 1/√cycles_used (a block averages that many cycles); "none": equal weights. */
  readonly weights: "none" | "cycles";
}

export interface ExcludedBlock {
  readonly block: number;
  readonly t_s: number;
  readonly phase: string;
  readonly reason: string;
}

export interface LoadedAnimal extends AnimalData {
  /** The gain.tsv read. */
  readonly source: string;
  /** Blocks used in fits (finite gain, quality "ok"), in file order. */
  readonly blocks: readonly GainBlock[];
  readonly excluded: readonly ExcludedBlock[];
  /** End of training, s since training start. */
  readonly trainingEndS: number;
  /** Start of the first stimulus after the post-training rest (the test), s since training start. */
  readonly testStartS: number | undefined;
  readonly warnings: readonly string[];
}

export class FitInputError extends Error {}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new FitInputError(
      `${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

/** Training end and test start from the session's phases; stimulus-on phases drive learning. */
function fromSession(path: string): {
  schedule: Schedule;
  trainingEndS: number;
  testStartS: number | undefined;
} {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, "session.json"));
  } catch (err) {
    if (err instanceof FitInputError) throw err;
    throw new FitInputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = SessionTimeline.safeParse(json);
  if (!parsed.success)
    throw new FitInputError(
      `${path}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}; the fitter needs timeline.trainingStartS ` +
        "and timeline.phases [{ name, startS, endS, stimulusOn }]",
    );
  const { trainingStartS: t0, phases } = parsed.data.timeline;
  const training = phases.find((p) => p.stimulusOn && p.startS <= t0 && t0 < p.endS);
  if (!training)
    throw new FitInputError(`${path}: no stimulus-on phase contains timeline.trainingStartS = ${t0} s`);
  const trainingEndS = training.endS - t0;
  const rest = phases.find((p) => !p.stimulusOn && p.startS - t0 >= trainingEndS);
  const test = rest && phases.find((p) => p.stimulusOn && p.startS >= rest.endS);
  return {
    schedule: {
      stimulusOn: phases.filter((p) => p.stimulusOn).map((p) => [p.startS - t0, p.endS - t0] as const),
    },
    trainingEndS,
    testStartS: test ? test.startS - t0 : undefined,
  };
}

/**
 * A bare gain.tsv: training [0, T], rest [T, T + R], test from T + R on (stimulus on to the end), and the
 * stimulus on during any pretest block before training.
 */
function fromOptions(blocks: readonly GainBlock[], { trainingMin, restMin }: ScheduleOptions) {
  const trainingEndS = trainingMin * 60;
  const testStartS = trainingEndS + restMin * 60;
  const pretest = blocks.filter((b) => b.t_end_s <= 0).map((b) => [b.t_start_s, b.t_end_s] as const);
  const schedule: Schedule = {
    stimulusOn: [...pretest, [0, trainingEndS], [testStartS, Number.POSITIVE_INFINITY]],
  };
  const inRest = blocks.filter((b) => b.t_s > trainingEndS && b.t_s < testStartS);
  const warnings =
    inRest.length > 0
      ? [
          `${inRest.length} block(s) fall inside the assumed rest (${trainingMin}–${trainingMin + restMin} min); ` +
            "check --training-min/--rest-min",
        ]
      : [];
  return { schedule, trainingEndS, testStartS, warnings };
}

/** Reads one INPUT (session folder or gain.tsv). */
export function loadAnimal(input: string, options: ScheduleOptions): LoadedAnimal {
  if (!existsSync(input))
    throw new FitInputError(`${input}: no such file or folder (give a session folder or a gain.tsv file)`);
  const isFolder = statSync(input).isDirectory();
  const tsv = isFolder ? join(input, "gain.tsv") : input;
  if (isFolder && !existsSync(tsv)) throw new FitInputError(`${input}: session folder has no gain.tsv`);
  let all: GainBlock[];
  try {
    all = parseGainTable(readText(tsv, "the gain table"), tsv);
  } catch (err) {
    if (err instanceof GainTableError) throw new FitInputError(err.message);
    throw err;
  }
  const sessionJson = join(isFolder ? input : dirname(input), "session.json");
  if (isFolder && !existsSync(sessionJson))
    throw new FitInputError(
      `${input}: session folder has no session.json (pass the gain.tsv itself to use --training-min/--rest-min)`,
    );
  const timing = isFolder ? { ...fromSession(sessionJson), warnings: [] } : fromOptions(all, options);
  const excluded: ExcludedBlock[] = [];
  const blocks = all.filter((b) => {
    const reason = !Number.isFinite(b.gain)
      ? "gain is NaN"
      : b.quality !== "ok"
        ? `quality ${b.quality}`
        : undefined;
    if (reason) excluded.push({ block: b.block, t_s: b.t_s, phase: b.phase, reason });
    return reason === undefined;
  });
  return {
    name: isFolder
      ? basename(input)
      : basename(tsv) === "gain.tsv"
        ? basename(dirname(tsv))
        : basename(tsv, ".tsv"),
    source: tsv,
    schedule: timing.schedule,
    t: blocks.map((b) => b.t_s),
    gain: blocks.map((b) => b.gain),
    sigma: options.weights === "cycles" ? blocks.map((b) => 1 / Math.sqrt(b.cycles_used)) : undefined,
    blocks,
    excluded,
    trainingEndS: timing.trainingEndS,
    testStartS: timing.testStartS,
    warnings: timing.warnings,
  };
}
