// Reading a session folder's recorded streams row by row (eye.tsv, stimulus.tsv, events.jsonl), in constant
// memory: a replay of a 75-min session never holds its 900,000 samples at once. A last line cut short by a
// killed session is ignored; any other bad row is an error naming file and line.
import { closeSync, openSync, readSync } from "node:fs";
import { FileProblem } from "../config/json-file.ts";

/** Lines of a text file, read in 1 MB blocks. */
export class LineReader {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(1 << 20);
  private lines: string[] = [];
  private index = 0;
  private partial = "";
  private eof = false;
  lineNumber = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, "r");
    } catch {
      throw new FileProblem(file, ["cannot read it; is this a hokr session folder?"]);
    }
  }

  next(): string | undefined {
    while (this.index >= this.lines.length) {
      if (this.eof) return undefined;
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      if (n === 0) {
        this.eof = true;
        closeSync(this.fd);
        return undefined; // a partial last line (no newline) is what a killed session leaves: dropped
      }
      const parts = (this.partial + this.buffer.toString("latin1", 0, n)).split("\n");
      this.partial = parts.pop() ?? "";
      this.lines = parts;
      this.index = 0;
    }
    this.lineNumber++;
    return this.lines[this.index++];
  }
}

/**
 * A parser of a recorded TSV's rows into named numeric columns, from its header line (a session being
 * followed live is read with the same parser as one replayed).
 */
export function tsvRowParser<C extends string>(
  file: string,
  headerLine: string,
  columns: readonly C[],
): (line: string, lineNumber: number) => Record<C, number> {
  const header = headerLine.split("\t");
  const at = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, i) => (at[i] as number) < 0);
  if (missing.length > 0)
    throw new FileProblem(file, [
      `missing column(s) ${missing.join(", ")}; found: ${headerLine || "nothing"}`,
    ]);
  return (line, lineNumber) => {
    const cells = line.split("\t");
    const row = {} as Record<C, number>;
    columns.forEach((c, i) => {
      const v = Number(cells[at[i] as number]);
      if (cells[at[i] as number] === undefined || (Number.isNaN(v) && cells[at[i] as number] !== "NaN"))
        throw new FileProblem(file, [
          `line ${lineNumber}: column ${c} is '${cells[at[i] as number] ?? ""}', not a number`,
        ]);
      row[c] = v;
    });
    return row;
  };
}

/** Rows of a recorded TSV, with named numeric columns. */
export function* tsvRows<C extends string>(
  file: string,
  columns: readonly C[],
): Generator<Record<C, number>> {
  const reader = new LineReader(file);
  const parse = tsvRowParser(file, reader.next() ?? "", columns);
  for (let line = reader.next(); line !== undefined; line = reader.next())
    yield parse(line, reader.lineNumber);
}

/** Events of events.jsonl as plain objects. */
export function* jsonlRows(file: string): Generator<Record<string, unknown>> {
  const reader = new LineReader(file);
  for (let line = reader.next(); line !== undefined; line = reader.next()) {
    if (line === "") continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new FileProblem(file, [`line ${reader.lineNumber}: not valid JSON`]);
    }
  }
}
