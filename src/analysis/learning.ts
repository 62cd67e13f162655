// Online and offline learning of one session: the one definition used by `hokr run`, `hokr replay`,
// `hokr analyze`, `hokr fit`, `hokr simulate` and the NWB export (Kanaya et al. 2023), worded for readers of
// exported files in LEARNING_DEFINITIONS below:
//   online  = gain(last training block) − gain(first training block)      (change during training)
//   offline = gain(first test block) − gain(last training block)           (change over the rest)
// Block selection, all times in s since training start:
//   usable block   finite gain and quality "ok" (flagged blocks — few good cycles, poor fit — are not used)
//   training block usable, mid-time within the training phase [0, trainingEndS]
//   test block     usable, mid-time at or after testStartS: the first stimulus-on phase after the rest
//                  that follows training
// The windows come from the session timeline (session.json, or a protocol's timeline), not from phase names,
// so a gain table from any source (`hokr fit --training-min/--rest-min`) is read the same way.
import type { SessionTimeline } from "../protocol/session-timeline.ts";
import type { GainBlock } from "./gain-block.ts";

/** Where training ends and the test begins, s since training start. */
export interface LearningWindows {
  readonly trainingEndS: number;
  /** Start of the first stimulus after the post-training rest; undefined when there is no rest then stimulus. */
  readonly testStartS: number | undefined;
}

export const LEARNING_DEFINITIONS = {
  online:
    "online learning = gain(last training block) − gain(first training block), in gain units (eye amplitude / " +
    "stimulus amplitude): the change during training. A block counts when its gain is finite and its quality " +
    "is 'ok'; training blocks have their mid-time within the training phase. Undefined with fewer than two.",
  offline:
    "offline learning = gain(first test block) − gain(last training block), in gain units: the change over the " +
    "rest. The test block is the first counted block whose mid-time is at or after the start of the first " +
    "stimulus-on phase after the rest that follows training.",
} as const;

export interface LearningSummary {
  firstTrainingGain: number | null;
  lastTrainingGain: number | null;
  testGain: number | null;
  onlineLearning: number | null;
  offlineLearning: number | null;
}

export class TimelineError extends Error {}

/** The learning windows of a session timeline; throws TimelineError when no stimulus-on phase holds training start. */
export function learningWindows(
  timeline: Pick<SessionTimeline, "trainingStartS" | "phases">,
): LearningWindows {
  const { trainingStartS: t0, phases } = timeline;
  const training = phases.find((p) => p.stimulusOn && p.startS <= t0 && t0 < p.endS);
  if (!training) throw new TimelineError(`no stimulus-on phase contains timeline.trainingStartS = ${t0} s`);
  const rest = phases.find((p) => !p.stimulusOn && p.startS >= training.endS);
  const test = rest && phases.find((p) => p.stimulusOn && p.startS >= rest.endS);
  return { trainingEndS: training.endS - t0, testStartS: test ? test.startS - t0 : undefined };
}

/** Why a block is not used for learning measures or fits, or undefined when it is usable. */
export function unusableReason(b: Pick<GainBlock, "gain" | "quality">): string | undefined {
  if (!Number.isFinite(b.gain)) return "gain is NaN";
  if (b.quality !== "ok") return `quality ${b.quality}`;
  return undefined;
}

/** Training blocks and test block as defined above. */
export function learningBlocks(
  blocks: readonly Pick<GainBlock, "t_s" | "gain" | "quality">[],
  w: LearningWindows,
) {
  const usable = blocks.filter((b) => unusableReason(b) === undefined);
  const training = usable.filter((b) => b.t_s >= 0 && b.t_s <= w.trainingEndS);
  const testStart = w.testStartS;
  const test = testStart === undefined ? undefined : usable.find((b) => b.t_s >= testStart);
  return { training, test };
}

export function learningSummary(
  blocks: readonly Pick<GainBlock, "t_s" | "gain" | "quality">[],
  windows: LearningWindows,
): LearningSummary {
  const { training, test } = learningBlocks(blocks, windows);
  const first = training[0]?.gain ?? null;
  const last = training.at(-1)?.gain ?? null;
  const testGain = test?.gain ?? null;
  return {
    firstTrainingGain: first,
    lastTrainingGain: last,
    testGain,
    onlineLearning: first !== null && last !== null && training.length > 1 ? last - first : null,
    offlineLearning: last !== null && testGain !== null ? testGain - last : null,
  };
}

const NO_LEARNING: LearningSummary = {
  firstTrainingGain: null,
  lastTrainingGain: null,
  testGain: null,
  onlineLearning: null,
  offlineLearning: null,
};

/** The learning summary of a session from its timeline; all null when the timeline has no stimulus-on training. */
export function sessionLearning(
  blocks: readonly Pick<GainBlock, "t_s" | "gain" | "quality">[],
  timeline: Pick<SessionTimeline, "trainingStartS" | "phases">,
): LearningSummary {
  try {
    return learningSummary(blocks, learningWindows(timeline));
  } catch (err) {
    if (err instanceof TimelineError) return NO_LEARNING;
    throw err;
  }
}
