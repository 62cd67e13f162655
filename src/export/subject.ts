// What the NWB file says about the animal beyond the session folder: sex, age, strain… from a subject file
// (JSON, this schema) and/or command-line options, which win over the file.
import { z } from "zod";
import { FileProblem, readJsonFile } from "../config/json-file.ts";

export const SubjectInfo = z.strictObject({
  $schema: z.string().optional(),
  /** NWB's codes: M (male), F (female), U (unknown), O (other). */
  sex: z.enum(["M", "F", "U", "O"], { message: "use M, F, U (unknown) or O (other)" }).optional(),
  /** ISO 8601 duration, e.g. "P90D" (90 days) or "P12W"; a range as "P90D/P120D". */
  age: z
    .string()
    .regex(
      /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?(\/P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?)?$/,
      {
        message: 'use an ISO 8601 duration such as "P90D" (90 days) or "P12W" (12 weeks)',
      },
    )
    .optional(),
  /** Date of birth, ISO 8601 (e.g. "2026-08-01"). */
  dateOfBirth: z.iso.date({ message: 'use an ISO 8601 date such as "2026-08-01"' }).optional(),
  strain: z.string().min(1).optional(),
  /** Genotype in words; default: from the session's subject flags (e.g. LRRC8A knockout). */
  genotype: z.string().min(1).optional(),
  /** Weight with its unit, e.g. "24 g". */
  weight: z.string().min(1).optional(),
  description: z.string().min(1).optional(),
  /** Where the light reaches the brain (area, coordinates), for every stimulation site. */
  stimulationSite: z.string().min(1).optional(),
});
export type SubjectInfo = z.infer<typeof SubjectInfo>;

/** The subject file, if any, overridden by the options given; a malformed value names its place and the fix. */
export function subjectInfo(file: string | undefined, options: Record<string, unknown>): SubjectInfo {
  const fromFile = file === undefined ? {} : readJsonFile(file, SubjectInfo);
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const parsed = SubjectInfo.safeParse(given);
  if (!parsed.success)
    throw new FileProblem(
      "command line",
      parsed.error.issues.map(
        (i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`,
      ),
    );
  return { ...fromFile, ...parsed.data };
}
