// Gain tables from anyone: CSV or TSV with a header row, at least a time column and a gain column, one row
// per block. hokr's own gain.tsv is one such table (all its columns are understood). Columns are found by
// name, mapped with `--columns ROLE=NAME,…` as `hokr analyze` does:
//   t          block mid-time since training start (required); unit from the name's suffix (_s, _ms, _us,
//              _min, _h) or --time-unit
//   gain       block gain (required)
//   phase      phase name per block ("training", "test", …): lets the fitter infer training and rest lengths
//   animal     animal id: one table may hold several animals
//   t_start, t_end  block bounds, unit of t; cycles_used (for --weights cycles); quality ("ok" = usable)
// The delimiter is the first of tab, comma, semicolon in the header; blank lines and '#' lines are skipped.
import { z } from "zod";
import type { GainBlock } from "../analysis/gain-block.ts";
import { unitFromName } from "../recording/trace-file.ts";

export const GAIN_ROLES = [
  "t",
  "gain",
  "phase",
  "animal",
  "t_start",
  "t_end",
  "cycles_used",
  "quality",
] as const;
export type GainRole = (typeof GAIN_ROLES)[number];

export const GainColumns = z.strictObject(
  Object.fromEntries(GAIN_ROLES.map((r) => [r, z.string().min(1).optional()])) as Record<
    GainRole,
    z.ZodOptional<z.ZodString>
  >,
);
export type GainColumns = z.infer<typeof GainColumns>;

export const TIME_UNITS = { s: 1, ms: 1e-3, us: 1e-6, min: 60, h: 3600 } as const;
export type TimeUnit = keyof typeof TIME_UNITS;

/** Default column name per role (the gain.tsv names); t also matches t, time and any name with a unit suffix. */
const DEFAULT_NAMES: Record<GainRole, readonly string[]> = {
  t: ["t_s", "t", "time"],
  gain: ["gain"],
  phase: ["phase"],
  animal: ["animal", "subject"],
  t_start: ["t_start_s"],
  t_end: ["t_end_s"],
  cycles_used: ["cycles_used"],
  quality: ["quality"],
};

export class GainInputError extends Error {}

export interface GainTable {
  /** Blocks per animal ("" when the table has no animal column), in file order; times in s. */
  readonly animals: ReadonlyMap<string, GainBlock[]>;
  /** Whether the table has a phase column. */
  readonly hasPhase: boolean;
  readonly timeUnit: TimeUnit;
}

/**
 * Parses a gain table. `where` names the file in errors; `columns` maps roles to header names; `timeUnit`
 * overrides the unit the time column's name declares.
 */
export function parseGainInput(
  text: string,
  where: string,
  columns: GainColumns = {},
  timeUnit?: TimeUnit,
): GainTable {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  if (headerAt < 0)
    throw new GainInputError(`${where}: empty file (expected a header row naming the columns)`);
  const header = (lines[headerAt] as string).replace(/^\uFEFF/, "");
  const delimiter = ["\t", ",", ";"].find((d) => header.includes(d)) ?? "\t";
  const names = header.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
  const find = (name: string) => {
    const exact = names.indexOf(name);
    return exact >= 0 ? exact : names.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  };
  const col = {} as Record<GainRole, number>;
  for (const role of GAIN_ROLES) {
    const given = columns[role];
    if (given !== undefined) {
      col[role] = find(given);
      if (col[role] < 0)
        throw new GainInputError(
          `${where}: no column "${given}" (${role}); columns found: ${names.map((c) => `"${c}"`).join(", ")}`,
        );
    } else {
      col[role] = DEFAULT_NAMES[role].map(find).find((i) => i >= 0) ?? -1;
      if (role === "t" && col.t < 0) col.t = names.findIndex((c) => /^(t|time)[_\s(]/i.test(c));
    }
  }
  const missing = (["t", "gain"] as const).filter((r) => col[r] < 0);
  if (missing.length > 0)
    throw new GainInputError(
      `${where}: missing column(s) ${missing.map((r) => (r === "t" ? "time (t_s)" : r)).join(", ")}; ` +
        `columns found: ${names.map((c) => `"${c}"`).join(", ")}; name them with --columns t=NAME,gain=NAME`,
    );
  const tName = names[col.t] as string;
  const unit = timeUnit ?? unitFromName(tName);
  if (unit === undefined)
    throw new GainInputError(
      `${where}: the unit of time column "${tName}" is unknown; pass --time-unit s|ms|us|min|h ` +
        "(or name the column with its unit, e.g. t_s or time_min)",
    );
  const scale = TIME_UNITS[unit];
  const animals = new Map<string, GainBlock[]>();
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const cells = line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
    const at = `${where}:${i + 1}`;
    const number = (role: GainRole, required: boolean): number => {
      if (col[role] < 0) return Number.NaN;
      const cell = cells[col[role]] ?? "";
      if (["", "nan", "na", "n/a"].includes(cell.toLowerCase())) {
        if (required)
          throw new GainInputError(`${at}: ${names[col[role]]} is empty; every block needs a time`);
        return Number.NaN;
      }
      const v = Number(cell);
      if (Number.isNaN(v)) throw new GainInputError(`${at}: ${names[col[role]]} "${cell}" is not a number`);
      return v;
    };
    const t = number("t", true) * scale;
    const animal = col.animal < 0 ? "" : (cells[col.animal] ?? "");
    const blocks = animals.get(animal) ?? [];
    animals.set(animal, blocks);
    const cyclesUsed = number("cycles_used", false);
    const start = number("t_start", false) * scale;
    const end = number("t_end", false) * scale;
    blocks.push({
      block: blocks.length,
      phase: col.phase < 0 ? "" : (cells[col.phase] ?? ""),
      t_s: t,
      t_start_s: Number.isFinite(start) ? start : t,
      t_end_s: Number.isFinite(end) ? end : t,
      gain: number("gain", false),
      phase_lag_deg: Number.NaN,
      r2: Number.NaN,
      cycles_used: Number.isFinite(cyclesUsed) ? cyclesUsed : 0,
      cycles_total: Number.isFinite(cyclesUsed) ? cyclesUsed : 0,
      quality: col.quality < 0 ? "ok" : cells[col.quality] || "ok",
    });
  }
  return { animals, hasPhase: col.phase >= 0, timeUnit: unit };
}
