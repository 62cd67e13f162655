// The study's groups (Kanaya et al. 2023): which protocol each runs and which subject flags its animals
// carry, and the seed of each virtual animal.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { SubjectFlag } from "../../mocks/mouse-parameters.ts";

/** `manipulates`: the stage the group changes (null: none); the study's claims 3 and 4 use groups whose rest is unchanged. */
export const GROUPS = {
  control: { protocol: "control", flags: [], manipulates: null },
  /** Glia-specific LRRC8A knockout, trained with the control protocol. */
  knockout: { protocol: "control", flags: ["lrrc8a-ko"], manipulates: "training" },
  "chr2-training": { protocol: "chr2-training", flags: [], manipulates: "training" },
  "archt-training": { protocol: "archt-training", flags: [], manipulates: "training" },
  "archt-rest": { protocol: "archt-rest", flags: [], manipulates: "rest" },
  "chr2-rest": { protocol: "chr2-rest", flags: [], manipulates: "rest" },
} as const satisfies Record<
  string,
  { protocol: string; flags: readonly SubjectFlag[]; manipulates: "training" | "rest" | null }
>;

export const GroupName = z.enum(Object.keys(GROUPS) as [keyof typeof GROUPS, ...(keyof typeof GROUPS)[]]);
export type GroupName = z.infer<typeof GroupName>;

/** The group every other is tested against. */
export const CONTROL: GroupName = "control";

/**
 * Seed of animal `index` of `group` in the cohort of `seed`: the first 31 bits of
 * sha256("seed/group/index"). An animal is the same whatever the cohort's size or other groups, so animals
 * can be reused (power analysis) and a larger cohort extends a smaller one.
 */
export function animalSeed(seed: number, group: GroupName, index: number): number {
  return createHash("sha256").update(`${seed}/${group}/${index}`).digest().readUInt32BE(0) >>> 1;
}

/** A cohort folder's marker file and its format (cohort.ts writes it); here, so that finding a cohort folder
 * (hokr export) does not load the cohort simulator. */
export const COHORT_FILE = "cohort.json";
export const COHORT_FORMAT = "hokr-cohort/1";

/** Session folder of an animal, relative to the cohort folder. */
export const animalFolder = (group: GroupName, index: number): string =>
  `${group}/${group}-${String(index).padStart(2, "0")}`;
