// A virtual cohort: N animals per group through the group's protocol, each a full simulated session with
// its own folder, run in parallel; then the cohort report and, if asked, a power analysis.
//
// Cohort folder (--out DIR, or a temporary folder removed at the end, whose animals' folders go as soon as
// each is read back):
//   cohort.json            status "running" until the cohort is done ("complete", with the whole report),
//                          "interrupted" or "failed": a folder not "complete" is incomplete
//   <group>/<group>-NN/    one session folder per animal (its session.json has its own status)
// Every file that marks completion is written under a temporary name and renamed when whole.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SIMULATED_RIG } from "../config/rig-config.ts";
import { SOFTWARE } from "../core/software.ts";
import { type LoadedProtocol, loadProtocol } from "../protocol/load.ts";
import type { AnimalJob, AnimalResult } from "./animal.ts";
import {
  animalFolder,
  animalSeed,
  COHORT_FILE,
  COHORT_FORMAT,
  CONTROL,
  GROUPS,
  type GroupName,
} from "./groups.ts";
import { type PoolOptions, runAnimals } from "./pool.ts";
import { type PowerEffect, type PowerResult, powerCurve } from "./power.ts";
import { type CohortReport, cohortReport } from "./report.ts";

export interface CohortOptions {
  readonly groups: readonly GroupName[];
  /** Animals per group. */
  readonly n: number;
  readonly seed: number;
  readonly protocolDir: string;
  /** Cohort folder to create (must not exist or be empty); undefined = a temporary folder, removed. */
  readonly out?: string;
  readonly throughSerial: boolean;
  readonly workers: number;
  readonly power?: PowerEffect;
  /** Control animals the power analysis draws from (at least n; the cohort's own are reused). */
  readonly powerPool?: number;
  /** Simulated cohorts per hypothesis for the report's model recovery (0 or undefined: none). */
  readonly recovery?: number;
  readonly signal?: AbortSignal;
  readonly onDone?: PoolOptions["onDone"];
}

/** Everything `hokr simulate --json` prints; also the body of a complete cohort.json. */
export interface CohortOutput extends CohortReport {
  readonly format: typeof COHORT_FORMAT;
  readonly software: typeof SOFTWARE;
  readonly seed: number;
  readonly n: number;
  readonly throughSerial: boolean;
  readonly protocolHashes: Readonly<Record<string, string>>;
  readonly power: PowerResult | null;
}

export interface CohortRun {
  readonly output: CohortOutput;
  /** Rest after training, s since training start (for the figure). */
  readonly rest: { startS: number; endS: number } | undefined;
}

export class CohortError extends Error {}

/** Writes `text` to `path` whole or not at all: a temporary name first, renamed when written. */
export function writeWhole(path: string, text: string): void {
  const partial = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, path);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new CohortError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function cohortFolder(out: string | undefined): { root: string; temporary: boolean } {
  if (out === undefined) return { root: mkdtempSync(join(tmpdir(), "hokr-cohort-")), temporary: true };
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new CohortError(`--out ${out}: folder exists and is not empty; give a new folder`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new CohortError(`--out ${out}: cannot create (${(err as NodeJS.ErrnoException).code})`);
  }
  return { root: out, temporary: false };
}

function restOf(loaded: LoadedProtocol): { startS: number; endS: number } | undefined {
  const { phases, trainingStartS } = loaded.timeline;
  const training = phases.find((p) => p.stimulus && p.startS === trainingStartS);
  const rest = phases.find((p) => !p.stimulus && training && p.startS >= training.endS);
  return rest && { startS: rest.startS - trainingStartS, endS: rest.endS - trainingStartS };
}

export async function simulateCohort(o: CohortOptions): Promise<CohortRun> {
  const protocolFile = (g: GroupName) => join(o.protocolDir, `${GROUPS[g].protocol}.json`);
  const needed = o.power ? [...new Set([...o.groups, CONTROL])] : o.groups;
  const loaded = new Map(needed.map((g) => [g, loadProtocol(protocolFile(g), SIMULATED_RIG)]));
  const poolSize = o.power ? Math.max(o.powerPool ?? 0, o.n, 2) : 0;

  const { root, temporary } = cohortFolder(o.out);
  const mark = (status: string, body: object = {}) =>
    writeWhole(
      join(root, COHORT_FILE),
      `${JSON.stringify({ format: COHORT_FORMAT, status, seed: o.seed, n: o.n, groups: o.groups, ...body }, null, 2)}\n`,
    );
  try {
    mark("running");
    const job = (group: GroupName, index: number): AnimalJob => ({
      group,
      index,
      seed: animalSeed(o.seed, group, index),
      protocolFile: protocolFile(group),
      flags: GROUPS[group].flags,
      outDir: join(root, animalFolder(group, index)),
      keepFolder: !temporary,
      throughSerial: o.throughSerial,
    });
    const jobs = o.groups.flatMap((g) => Array.from({ length: o.n }, (_, i) => job(g, i)));
    // The power pool's control animals beyond those the cohort already has.
    const first = o.groups.includes(CONTROL) ? o.n : 0;
    for (let i = first; i < poolSize; i++) jobs.push(job(CONTROL, i));
    const results = await runAnimals(jobs, {
      workers: o.workers,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onDone ? { onDone: o.onDone } : {}),
    });
    const of = (g: GroupName, count: number) =>
      results
        .filter((r): r is AnimalResult => r.group === g && r.index < count)
        .map((r) => ({ ...r, session: animalFolder(g, r.index) }));

    const report = cohortReport(
      o.groups.map((g) => ({
        group: g,
        protocol: GROUPS[g].protocol,
        flags: GROUPS[g].flags,
        animals: of(g, o.n),
      })),
      { seed: o.seed, ...(o.recovery ? { recovery: o.recovery } : {}) },
    );
    const power = o.power
      ? powerCurve(
          of(CONTROL, poolSize).flatMap((a) => {
            const v = a[o.power?.measure ?? "online"];
            return v === null ? [] : [v];
          }),
          o.power,
          { seed: o.seed },
        )
      : null;
    const output: CohortOutput = {
      format: COHORT_FORMAT,
      software: SOFTWARE,
      seed: o.seed,
      n: o.n,
      throughSerial: o.throughSerial,
      protocolHashes: Object.fromEntries(
        [...loaded].map(([g, l]) => [GROUPS[g].protocol, l.hash] as const).sort(),
      ),
      ...report,
      power,
    };
    const { format: _, ...body } = output;
    mark("complete", body);
    return { output, rest: restOf(loaded.get(o.groups[0] as GroupName) as LoadedProtocol) };
  } catch (err) {
    if (!temporary) mark(o.signal?.aborted ? "interrupted" : "failed", { reason: String(err) });
    throw err;
  } finally {
    if (temporary) rmSync(root, { recursive: true, force: true });
  }
}
