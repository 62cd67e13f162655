// gain.tsv: one row per block of stimulus cycles (src/analysis/gain-block.ts): the learning curve of a session.
// Times are seconds since the start of the training phase, so curves from different protocols line up.
import { z } from "zod";
import { GainBlock } from "../analysis/gain-block.ts";

/** Columns in file order: the fields of a block, as the analysis defines them. */
export const GAIN_TABLE_COLUMNS = Object.keys(GainBlock.shape) as (keyof GainBlock)[];

const format = (v: number | string): string =>
  typeof v === "string" ? v : Number.isInteger(v) ? String(v) : Number.isNaN(v) ? "NaN" : v.toFixed(6);

export const gainTableHeader = (): string => `${GAIN_TABLE_COLUMNS.join("\t")}\n`;

export const formatGainRow = (b: GainBlock): string =>
  `${GAIN_TABLE_COLUMNS.map((c) => format(b[c])).join("\t")}\n`;

export class GainTableError extends Error {}

/**
 * Parses gain.tsv text. Columns are found by name, so extra columns are ignored; `where` names the file in errors.
 * A last line cut short by a killed session is dropped, not fatal.
 */
export function parseGainTable(text: string, where = "gain.tsv"): GainBlock[] {
  // The element after the last newline is either "" or a partial row: both are dropped.
  const [header, ...rows] = text.split("\n").slice(0, -1);
  if (header === undefined) throw new GainTableError(`${where}: empty file (expected a header row)`);
  const names = header.split("\t");
  const missing = GAIN_TABLE_COLUMNS.filter((c) => c !== "quality" && !names.includes(c));
  if (missing.length > 0)
    throw new GainTableError(`${where}: missing column(s) ${missing.join(", ")}; the header must name them`);
  return rows
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      const cells = line.split("\t");
      const raw: Record<string, unknown> = {};
      names.forEach((n, j) => {
        const cell = cells[j] ?? "";
        raw[n] = n === "phase" || n === "quality" ? cell : Number(cell);
      });
      raw.quality ??= "ok";
      const parsed = GainBlock.safeParse(raw);
      if (!parsed.success)
        throw new GainTableError(
          `${where}:${i + 2}: ${z.prettifyError(parsed.error).replaceAll("\n", "; ")}`,
        );
      return parsed.data;
    });
}
