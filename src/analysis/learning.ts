// Online and offline learning from a session's gain blocks (Kanaya et al. 2023 definitions, worded in
// LEARNING_DEFINITIONS below, which exports such as NWB carry with the numbers).
import type { GainBlock } from "../recording/gain-table.ts";

export const LEARNING_DEFINITIONS = {
  online:
    "online learning = gain(last training block) − gain(first training block), in gain units (eye amplitude / " +
    "stimulus amplitude); blocks without a finite gain are skipped; undefined with fewer than two training blocks",
  offline:
    "offline learning = gain(first block of the post-rest test) − gain(last training block), in gain units; " +
    "the test is the phase named 'test', else the first block of any phase after training; blocks without a " +
    "finite gain are skipped",
} as const;

export interface LearningSummary {
  firstTrainingGain: number | null;
  lastTrainingGain: number | null;
  testGain: number | null;
  onlineLearning: number | null;
  offlineLearning: number | null;
}

export function learningSummary(blocks: readonly GainBlock[]): LearningSummary {
  const usable = blocks.filter((b) => Number.isFinite(b.gain));
  const training = usable.filter((b) => b.phase === "training");
  const first = training[0]?.gain ?? null;
  const last = training.at(-1)?.gain ?? null;
  const afterTraining = usable.filter(
    (b) => b.phase !== "training" && b.t_start_s >= (training.at(-1)?.t_end_s ?? 0),
  );
  const test = (afterTraining.find((b) => b.phase === "test") ?? afterTraining[0])?.gain ?? null;
  return {
    firstTrainingGain: first,
    lastTrainingGain: last,
    testGain: test,
    onlineLearning: first !== null && last !== null && training.length > 1 ? last - first : null,
    offlineLearning: last !== null && test !== null ? test - last : null,
  };
}
