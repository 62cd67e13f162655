// Online vs offline learning across animals: the study's claim is that they are independent.
// Per animal, as the session summary defines them (model-free, from the gain blocks):
//   online  = gain(last training block) − gain(first training block)
//   offline = gain(first block after the rest) − gain(last training block)
// Across animals: Pearson r with a seeded percentile-bootstrap 95% CI (animals resampled).
// Caution when reading r:
// - both measures contain the last training block with opposite signs, so block noise of variance σ²
//   alone gives cov = −σ², a negative bias that matters when σ is not small against the spread of
//   learning between animals;
// - the rest change also contains the loss of online gain during the rest, so even independent online
//   and offline processes (the parallel model) give r < 0 when online gain decays within the rest.
import { learningSummary as sessionLearningOf } from "../analysis/learning.ts";
import type { LoadedAnimal } from "./inputs.ts";
import { bootstrapCorrelation, type CorrelationEstimate } from "./stats.ts";

export interface LearningSummary {
  readonly animal: string;
  /** Gain change during training, or null when there are fewer than 2 usable training blocks. */
  readonly online: number | null;
  /** Gain change over the rest, or null without a usable post-rest block. */
  readonly offline: number | null;
}

export function learningSummary(animal: LoadedAnimal): LearningSummary {
  const s = sessionLearningOf(animal.blocks, animal.windows);
  return { animal: animal.name, online: s.onlineLearning, offline: s.offlineLearning };
}

/** r(online, offline) over animals with both measures; undefined with fewer than 3 such animals. */
export function onlineOfflineCorrelation(
  summaries: readonly LearningSummary[],
  options: { resamples?: number; seed?: number } = {},
): CorrelationEstimate | undefined {
  const both = summaries.filter((s) => s.online !== null && s.offline !== null);
  if (both.length < 3) return undefined;
  return bootstrapCorrelation(
    both.map((s) => s.online as number),
    both.map((s) => s.offline as number),
    options,
  );
}
