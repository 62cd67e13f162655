// A bench measurement in a fresh process of its own (so its peak memory and its start are its own):
// `tsx bench/<name>.child.ts args…`, which prints one JSON line.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Runs bench/<name>.child.ts with `args` (after `preload`: modules imported first) and parses its JSON line. */
export function benchChild<T>(name: string, args: readonly string[], preload: readonly string[] = []): T {
  const imports = [...preload, "tsx"].flatMap((m) => ["--import", m]);
  const entry = fileURLToPath(new URL(`./${name}.child.ts`, import.meta.url));
  return JSON.parse(
    execFileSync(process.execPath, [...imports, entry, ...args], { encoding: "utf8", maxBuffer: 1 << 24 }),
  ) as T;
}

const STATUS = "/proc/self/status";

/**
 * This process's peak resident memory in MB: /proc's VmHWM on Linux, the high-water mark of the process's own
 * memory, which starts afresh at exec. Not `process.resourceUsage().maxRSS` there: Linux carries a maximum over
 * fork and exec, so a child reported its parent's size as its own peak whenever the bench had grown larger (a
 * ~150-MB session reported 273 MB after the nwb-export row).
 */
export function peakRssMB(): number {
  const hwm = existsSync(STATUS) ? /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(STATUS, "utf8")) : null;
  return hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
