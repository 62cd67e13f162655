// Reading `hokr fit` inputs: session folders (gain.tsv + session.json) or gain tables (CSV/TSV, ours or
// anyone's, see gain-input.ts), into the blocks to fit and the stimulus schedule that drives the models.
// Blocks used and the training/test windows follow the one learning definition (src/analysis/learning.ts).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { z } from "zod";
import type { GainBlock } from "../analysis/gain-block.ts";
import {
  type LearningWindows,
  learningWindows,
  TimelineError,
  unusableReason,
} from "../analysis/learning.ts";
import type { Schedule } from "../models/learning/index.ts";
import { SessionTimeline } from "../protocol/session-timeline.ts";
import { type GainColumns, GainInputError, parseGainInput, type TimeUnit } from "./gain-input.ts";
import type { AnimalData } from "./model-fit.ts";

/** The part of session.json the fitter reads; other fields are allowed and ignored. */
const SessionJson = z.looseObject({ timeline: SessionTimeline });

export interface ScheduleOptions {
  /** Training length for a gain table without session.json, min; else inferred from its phase column. */
  readonly trainingMin?: number | undefined;
  /** Rest length after training for a gain table without session.json, min; else inferred from phases. */
  readonly restMin?: number | undefined;
  /** "cycles": block SD ∝ 1/√cycles_used (a block averages that many cycles); "none": equal weights. */
  readonly weights: "none" | "cycles";
  /** Column names per role (see gain-input.ts). */
  readonly columns?: GainColumns | undefined;
  /** Unit of the time column when its name does not say. */
  readonly timeUnit?: TimeUnit | undefined;
}

export interface ExcludedBlock {
  readonly block: number;
  readonly t_s: number;
  readonly phase: string;
  readonly reason: string;
}

export interface LoadedAnimal extends AnimalData {
  /** The gain table read. */
  readonly source: string;
  /** Blocks used in fits (the learning definition's usable blocks), in file order. */
  readonly blocks: readonly GainBlock[];
  readonly excluded: readonly ExcludedBlock[];
  /** End of training and start of the test, s since training start. */
  readonly windows: LearningWindows;
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

/** Windows and schedule from a session timeline; stimulus-on phases drive learning. */
function fromSession(path: string): { schedule: Schedule; windows: LearningWindows } {
  let json: unknown;
  try {
    json = JSON.parse(readText(path, "session.json"));
  } catch (err) {
    if (err instanceof FitInputError) throw err;
    throw new FitInputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = SessionJson.safeParse(json);
  if (!parsed.success)
    throw new FitInputError(
      `${path}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}; the fitter needs timeline.durationS, ` +
        "timeline.trainingStartS and timeline.phases [{ name, startS, endS, stimulusOn }]",
    );
  const { timeline } = parsed.data;
  let windows: LearningWindows;
  try {
    windows = learningWindows(timeline);
  } catch (err) {
    if (err instanceof TimelineError) throw new FitInputError(`${path}: ${err.message}`);
    throw err;
  }
  const t0 = timeline.trainingStartS;
  return {
    schedule: {
      stimulusOn: timeline.phases
        .filter((p) => p.stimulusOn)
        .map((p) => [p.startS - t0, p.endS - t0] as const),
    },
    windows,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/**
 * A gain table without session.json: training [0, T], rest [T, T + R], test from T + R on (stimulus on to the
 * end), and the stimulus on during pretest blocks before training. T and R come from --training-min/--rest-min,
 * or else from the phase column: training ends at the end of the last "training" block and the test starts at
 * the start of the first later block (block bounds from t_start/t_end, else half the median block spacing).
 */
function fromTable(
  where: string,
  blocks: readonly GainBlock[],
  hasPhase: boolean,
  { trainingMin, restMin }: ScheduleOptions,
) {
  const spacing = median(blocks.slice(1).map((b, i) => b.t_s - (blocks[i] as GainBlock).t_s));
  const half = Number.isFinite(spacing) ? spacing / 2 : 0;
  const startOf = (b: GainBlock) => (b.t_start_s < b.t_s ? b.t_start_s : b.t_s - half);
  const endOf = (b: GainBlock) => (b.t_end_s > b.t_s ? b.t_end_s : b.t_s + half);
  const training = blocks.filter((b) => b.phase.toLowerCase() === "training");
  let trainingEndS = trainingMin === undefined ? undefined : trainingMin * 60;
  if (trainingEndS === undefined) {
    if (!hasPhase || training.length === 0)
      throw new FitInputError(
        `${where}: no session.json and no "training" rows in a phase column; give --training-min and --rest-min`,
      );
    trainingEndS = Math.max(...training.map(endOf));
  }
  const end = trainingEndS;
  let testStartS = restMin === undefined ? undefined : end + restMin * 60;
  if (testStartS === undefined) {
    const after = blocks.find((b) => b.t_s > end && b.phase.toLowerCase() !== "rest");
    if (!hasPhase && after)
      throw new FitInputError(
        `${where}: no session.json and no phase column; give --training-min and --rest-min`,
      );
    testStartS = after ? startOf(after) : undefined;
  }
  const pretest = blocks.filter((b) => b.t_s < 0).map((b) => [startOf(b), Math.min(0, endOf(b))] as const);
  const schedule: Schedule = {
    stimulusOn: [
      ...pretest,
      [0, end],
      ...(testStartS === undefined ? [] : [[testStartS, Number.POSITIVE_INFINITY] as const]),
    ],
  };
  const test = testStartS;
  const inRest = test === undefined ? [] : blocks.filter((b) => b.t_s > end && b.t_s < test);
  const warnings =
    inRest.length > 0
      ? [
          `${inRest.length} block(s) fall inside the assumed rest (${(end / 60).toFixed(1)}–${(test as number) / 60} min); ` +
            "check --training-min/--rest-min",
        ]
      : [];
  return { schedule, windows: { trainingEndS: end, testStartS }, warnings };
}

/** The animals of one INPUT (a session folder, or a gain table holding one animal or several). */
export function loadAnimals(input: string, options: ScheduleOptions): LoadedAnimal[] {
  if (!existsSync(input))
    throw new FitInputError(`${input}: no such file or folder (give a session folder or a gain table)`);
  const isFolder = statSync(input).isDirectory();
  const file = isFolder ? join(input, "gain.tsv") : input;
  if (isFolder && !existsSync(file)) throw new FitInputError(`${input}: session folder has no gain.tsv`);
  const sessionJson = join(isFolder ? input : dirname(input), "session.json");
  if (isFolder && !existsSync(sessionJson))
    throw new FitInputError(
      `${input}: session folder has no session.json (pass the gain.tsv itself to use --training-min/--rest-min)`,
    );
  const session = isFolder ? { ...fromSession(sessionJson), warnings: [] } : undefined;
  let table: ReturnType<typeof parseGainInput>;
  try {
    const text = readText(file, "the gain table");
    // A session killed mid-write may leave its last gain.tsv row cut short: only whole lines are read.
    const whole = isFolder ? text.slice(0, text.lastIndexOf("\n") + 1) : text;
    table = parseGainInput(whole, file, options.columns, options.timeUnit);
  } catch (err) {
    if (err instanceof GainInputError) throw new FitInputError(err.message);
    throw err;
  }
  // A session that recorded no block is one animal without blocks; a table without rows is a mistake.
  const animals = table.animals.size > 0 || !isFolder ? table.animals : new Map([["", []]]);
  if (animals.size === 0) throw new FitInputError(`${file}: no data rows after the header`);
  const stem = isFolder
    ? basename(input)
    : basename(file) === "gain.tsv"
      ? basename(dirname(file))
      : basename(file, extname(file));
  return [...animals].map(([id, all]) => {
    const timing = session ?? fromTable(file, all, table.hasPhase, options);
    const excluded: ExcludedBlock[] = [];
    const blocks = all.filter((b) => {
      const reason = unusableReason(b);
      if (reason) excluded.push({ block: b.block, t_s: b.t_s, phase: b.phase, reason });
      return reason === undefined;
    });
    if (options.weights === "cycles" && blocks.some((b) => !(b.cycles_used > 0)))
      throw new FitInputError(`${file}: --weights cycles needs a cycles_used column > 0 in every used block`);
    return {
      name: id === "" ? stem : id,
      source: file,
      schedule: timing.schedule,
      t: blocks.map((b) => b.t_s),
      gain: blocks.map((b) => b.gain),
      sigma: options.weights === "cycles" ? blocks.map((b) => 1 / Math.sqrt(b.cycles_used)) : undefined,
      blocks,
      excluded,
      windows: timing.windows,
      warnings: timing.warnings,
    };
  });
}
