// Reading JSON files (protocols, rig configurations, session metadata) through their zod schema,
// with errors that name the file, the JSON path and the fix.
import { readFileSync } from "node:fs";
import type { z } from "zod";

export class FileProblem extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems\n  ${problems.join("\n  ")}`}`,
    );
  }
}

/** `phases[0].stimulus.on` style path, as a user would search for it in the file. */
export const jsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (s, k) => (typeof k === "number" ? `${s}[${k}]` : s === "" ? String(k) : `${s}.${String(k)}`),
    "",
  ) || "(top level)";

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** Known keys of the object schema found by walking `path` through `schema`, if it can be walked. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definition tree
  let s: any = schema;
  for (const k of [...path, null]) {
    while (s?._zod?.def && ["default", "optional", "pipe", "nullable"].includes(s._zod.def.type))
      s = s._zod.def.innerType ?? s._zod.def.in;
    if (k === null) break;
    s = typeof k === "number" ? s?._zod?.def?.element : s?._zod?.def?.shape?.[k];
  }
  return s?._zod?.def?.shape ? Object.keys(s._zod.def.shape) : [];
}

/** One line per zod issue: where, what, and how to fix it. */
export function describeIssues(error: z.ZodError, schema: z.ZodType): string[] {
  return error.issues.map((issue) => {
    const where = jsonPath(issue.path);
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      return issue.keys
        .map((key) => {
          const near = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 3);
          const hint = near.length > 0 ? `did you mean '${near[0]}'?` : `allowed keys: ${known.join(", ")}`;
          return `${where}: unknown key '${key}'; ${hint}`;
        })
        .join("\n  ");
    }
    if (issue.code === "invalid_type" && /received undefined/.test(issue.message))
      return `${where}: required ${issue.expected} is missing; add it`;
    return `${where}: ${issue.message}`;
  });
}

/** Line and column of a character offset, 1-based. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

export function readJsonText(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file; check the path"
        : code === "EISDIR"
          ? "is a folder, not a file"
          : String(e);
    throw new FileProblem(file, [why]);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const at = pos ? ` at ${lineColumn(text, Number(pos[1]))}` : "";
    throw new FileProblem(file, [`not valid JSON${at}: ${msg.replace(/ in JSON.*$/, "")}`]);
  }
}

export function parseWithSchema<S extends z.ZodType>(file: string, value: unknown, schema: S): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new FileProblem(file, describeIssues(result.error, schema));
  return result.data;
}

export const readJsonFile = <S extends z.ZodType>(file: string, schema: S): z.infer<S> =>
  parseWithSchema(file, readJsonText(file), schema);
