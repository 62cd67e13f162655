// A bench measurement in a fresh process of its own (so its peak memory and its start are its own):
// `tsx bench/<name>.child.ts args…`, which prints one JSON line.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs bench/<name>.child.ts with `args` (after `preload`: modules imported first) and parses its JSON line. */
export function benchChild<T>(name: string, args: readonly string[], preload: readonly string[] = []): T {
  const imports = [...preload, "tsx"].flatMap((m) => ["--import", m]);
  const entry = fileURLToPath(new URL(`./${name}.child.ts`, import.meta.url));
  return JSON.parse(
    execFileSync(process.execPath, [...imports, entry, ...args], { encoding: "utf8", maxBuffer: 1 << 24 }),
  ) as T;
}
