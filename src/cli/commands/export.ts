// `hokr export SESSION_DIR… --nwb`: session folders (or a cohort folder, one file per animal) as NWB files.
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { COHORT_FILE } from "../../cohort/groups.ts";
import { exportNwb, type NwbExportResult } from "../../export/nwb-export.ts";
import { type SubjectInfo, subjectInfo } from "../../export/subject.ts";
import { SESSION_FILES } from "../../recording/session-folder.ts";
import { guarded, UsageError } from "../errors.ts";

export interface ExportCliOptions {
  nwb?: boolean;
  out?: string;
  experimenter?: string;
  lab?: string;
  institution?: string;
  subjectFile?: string;
  sex?: string;
  age?: string;
  siteLocation?: string;
  json?: boolean;
}

/** The session folders a path stands for: itself, or every animal's folder of a cohort folder. */
export function sessionFolders(path: string): string[] {
  if (!existsSync(join(path, COHORT_FILE))) return [path];
  const found: string[] = [];
  for (const group of readdirSync(path).sort()) {
    const g = join(path, group);
    if (!statSync(g).isDirectory()) continue;
    for (const animal of readdirSync(g).sort())
      if (existsSync(join(g, animal, SESSION_FILES.meta))) found.push(join(g, animal));
  }
  if (found.length === 0)
    throw new UsageError(`${path}: a cohort folder without any animal's session folder (<group>/<animal>/)`);
  return found;
}

/** The options that describe the export, checked (a malformed subject file or value is refused here). */
export function exportSettings(
  o: Pick<ExportCliOptions, "subjectFile" | "sex" | "age" | "siteLocation" | "experimenter">,
): { subject: SubjectInfo; experimenters?: string[] } {
  const subject = subjectInfo(o.subjectFile, {
    sex: o.sex,
    age: o.age,
    stimulationSite: o.siteLocation,
  });
  const experimenters = o.experimenter
    ?.split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  return { subject, ...(experimenters ? { experimenters } : {}) };
}

/**
 * Exports each session folder. One folder: `out` is the file (default: SESSION_DIR.nwb beside the folder).
 * Several (or a cohort): `out` is a folder for <session>.nwb files (default: beside each folder).
 */
export async function exportSessions(
  dirs: string[],
  o: ExportCliOptions,
  now: Date,
): Promise<NwbExportResult[]> {
  const settings = exportSettings(o);
  const sessions = dirs.flatMap(sessionFolders);
  const several = sessions.length > 1;
  const results: NwbExportResult[] = [];
  for (const dir of sessions) {
    const name = `${basename(resolve(dir))}.nwb`;
    const out = o.out ? (several ? join(o.out, name) : o.out) : join(dirname(resolve(dir)), name);
    mkdirSync(dirname(resolve(out)), { recursive: true });
    const result = await exportNwb(dir, {
      out,
      now,
      subject: settings.subject,
      ...(settings.experimenters ? { experimenters: settings.experimenters } : {}),
      ...(o.lab ? { lab: o.lab } : {}),
      ...(o.institution ? { institution: o.institution } : {}),
    });
    for (const w of result.warnings) process.stderr.write(`hokr: warning: ${dir}: ${w}\n`);
    results.push(result);
  }
  return results;
}

/** The options `hokr export` and `hokr run --nwb` share. */
export function addExportOptions(command: Command): Command {
  return command
    .option("--experimenter <names>", "comma-separated experimenters (default: the rig configuration's lab)")
    .option("--lab <name>", "lab (default: the rig configuration's lab.name)")
    .option("--institution <name>", "institution (default: the rig configuration's lab.institution)")
    .option(
      "--subject-file <file.json>",
      "subject details: sex, age, dateOfBirth, strain, genotype, weight, description, stimulationSite",
    )
    .option("--sex <M|F|U|O>", "subject sex (overrides the subject file)")
    .option("--age <duration>", 'subject age, ISO 8601 duration, e.g. "P90D" (overrides the subject file)')
    .option("--site-location <text>", "where the light is delivered (brain area, coordinates)");
}

export function registerExport(program: Command): void {
  addExportOptions(
    program
      .command("export")
      .description("export session folders (or a cohort folder, one file per animal) as NWB files")
      .argument(
        "<session...>",
        "session folder(s) written by `hokr run`, or a cohort folder (`hokr simulate --out`)",
      )
      .option("--nwb", "write NWB 2.7.0 (HDF5); the only format so far")
      .option(
        "--out <file>",
        "output .nwb file (one session) or folder (several); default: beside each folder",
      ),
  )
    .option("--json", "print one JSON object per file: file, warnings, samples, edges, cycles, blocks")
    .action(
      guarded(async (dirs: string[], opts: ExportCliOptions) => {
        if (!opts.nwb) throw new UsageError("say which format: --nwb");
        for (const r of await exportSessions(dirs, opts, new Date()))
          process.stdout.write(
            opts.json
              ? `${JSON.stringify(r)}\n`
              : `${r.file}: ${r.eyeSamples} eye samples, ${r.stimulusSamples} stimulus samples, ` +
                  `${r.lightEdges} light edges, ${r.cycles} cycles, ${r.blocks} blocks` +
                  `${r.warnings.length > 0 ? ` (${r.warnings.length} warning(s))` : ""}\n`,
          );
      }),
    );
}
