// One virtual animal of a cohort: a full session through the same engine and analysis as a live run,
// recorded to its own session folder, read back as the fitter reads any session.
import { rmSync, statSync } from "node:fs";
import type { SubjectFlag } from "../../mocks/mouse-parameters.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { learningSummary } from "../analysis/learning.ts";
import { runSimulated } from "../app/rig-sessions.ts";
import { SIMULATED_RIG } from "../config/rig-config.ts";
import { loadAnimals } from "../fitting/inputs.ts";
import type { AnimalData } from "../fitting/model-fit.ts";
import { type LoadedProtocol, loadProtocol } from "../protocol/load.ts";
import type { GroupName } from "./groups.ts";

export interface AnimalJob {
  readonly group: GroupName;
  readonly index: number;
  readonly seed: number;
  readonly protocolFile: string;
  readonly flags: readonly SubjectFlag[];
  /** Session folder to create. */
  readonly outDir: string;
  /**
   * false: the folder only carries the session to its read-back (a cohort without --out): a scratch folder
   * (RunOptions.scratch), removed once read.
   */
  readonly keepFolder: boolean;
  readonly throughSerial: boolean;
}

/** Online/offline learning and final gain, gain units (null when the blocks do not give it). */
export interface AnimalMetrics {
  readonly online: number | null;
  readonly offline: number | null;
  /** Gain of the first block after the rest (the test). */
  readonly finalGain: number | null;
}

export interface AnimalResult extends AnimalMetrics {
  readonly group: GroupName;
  readonly index: number;
  readonly seed: number;
  /** The blocks as the fitter uses them (finite gain, quality ok) and the stimulus schedule. */
  readonly data: AnimalData;
  readonly blocks: readonly GainBlock[];
}

export class AnimalFailed extends Error {}

/** Protocols loaded by this worker, by file and version: a worker serves one cohort after another. */
const protocols = new Map<string, LoadedProtocol>();

export async function simulateAnimal(job: AnimalJob): Promise<AnimalResult> {
  const { size, mtimeMs } = statSync(job.protocolFile);
  const version = `${job.protocolFile}\0${size}\0${mtimeMs}`;
  let loaded = protocols.get(version);
  if (!loaded) {
    loaded = loadProtocol(job.protocolFile, SIMULATED_RIG);
    protocols.set(version, loaded);
  }
  const outcome = await runSimulated({
    loaded,
    seed: job.seed,
    flags: [...job.flags],
    subjectId: `${job.group}-${job.index}`,
    outDir: job.outDir,
    scratch: !job.keepFolder,
    throughSerial: job.throughSerial,
  });
  if (outcome.status !== "complete")
    throw new AnimalFailed(`${job.group} animal ${job.index}: session ${outcome.status} (${outcome.reason})`);
  // The fitter's reading of the folder: blocks with a finite gain and quality "ok", schedule from session.json.
  const [animal] = loadAnimals(job.outDir, { weights: "none" });
  if (!job.keepFolder) rmSync(job.outDir, { recursive: true, force: true });
  if (!animal) throw new AnimalFailed(`${job.group} animal ${job.index}: no gain blocks recorded`);
  const summary = learningSummary(animal.blocks, animal.windows);
  return {
    group: job.group,
    index: job.index,
    seed: job.seed,
    online: summary.onlineLearning,
    offline: summary.offlineLearning,
    finalGain: summary.testGain,
    data: {
      name: `${job.group}-${job.index}`,
      schedule: animal.schedule,
      t: Float64Array.from(animal.t),
      gain: Float64Array.from(animal.gain),
    },
    blocks: animal.blocks,
  };
}
