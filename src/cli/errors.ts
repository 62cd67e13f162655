// Errors a user can cause print as one clear message (file, place, fix) and exit 1; never a stack trace.
import { InvalidArgumentError } from "commander";
import { DeviceError } from "../../devices/line-port.ts";
import { FileProblem } from "../config/json-file.ts";
import { GainTableError } from "../recording/gain-table.ts";

export class UsageError extends Error {}

export function reportAndExit(e: unknown): never {
  if (
    e instanceof FileProblem ||
    e instanceof UsageError ||
    e instanceof GainTableError ||
    e instanceof DeviceError
  ) {
    process.stderr.write(`hokr: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

/** Runs a command's action, turning user errors into messages. */
export const guarded =
  <A extends unknown[]>(action: (...args: A) => Promise<void> | void) =>
  async (...args: A): Promise<void> => {
    try {
      await action(...args);
    } catch (e) {
      reportAndExit(e);
    }
  };

/**
 * A numeric option for commander: a number passing `check`, else commander reports the option and
 * "expected RULE" in one line (e.g. `numberOption("a whole number > 0 (cycles)", Number.isSafeInteger)`).
 */
export const numberOption =
  (rule: string, check: (v: number) => boolean = Number.isFinite) =>
  (value: string): number => {
    const v = Number(value);
    if (value.trim() === "" || !check(v)) throw new InvalidArgumentError(`expected ${rule}.`);
    return v;
  };

/**
 * Ends a running session cleanly on any way out: SIGINT/SIGTERM/SIGHUP interrupt it; an exception or
 * rejection nobody handled fails it. Either way the session's own ending turns every light off and flushes
 * the recording. Returns the signal to hand to the session.
 */
export function sessionStopper(): AbortSignal {
  const controller = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => controller.abort(sig));
  const fail = (e: unknown) => {
    process.stderr.write(`hokr: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    controller.abort(e instanceof Error ? e : new Error(String(e)));
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  return controller.signal;
}
