// Runs the real `hokr` command line in a child process, as a user would.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const HOKR = "src/cli/hokr.js";

export function startCli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [HOKR, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export const runCli = (args: string[]): Promise<CliResult> => startCli(args).done;

/** The same, waiting for it synchronously (its output is small). */
export function runCliSync(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [HOKR, ...args], { encoding: "utf8" });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Waits until the command's stderr so far matches `pattern` (e.g. an address it prints); fails if it exits first. */
export function stderrMatch(cli: ReturnType<typeof startCli>, pattern: RegExp): Promise<RegExpExecArray> {
  let stderr = "";
  return new Promise((resolve, reject) => {
    cli.child.stderr?.on("data", (d) => {
      stderr += d;
      const m = pattern.exec(stderr);
      if (m) resolve(m);
    });
    cli.child.once("exit", () => reject(new Error(`exited before printing ${pattern}: ${stderr}`)));
  });
}
