// Errors a user can cause print as one clear message (file, place, fix) and exit 1; never a stack trace.
import { InvalidArgumentError } from "commander";
import { FileProblem } from "../config/json-file.ts";
import {
  DeviceError,
  EXIT_CODES,
  FAULT_TEXT,
  isStopSignal,
  STOP_SIGNALS,
  StoppedBeforeStart,
} from "../core/faults.ts";
import { GainTableError } from "../recording/gain-table.ts";

export class UsageError extends Error {}

/** Writes to stderr, never throwing: a closed stderr (EPIPE) must not stop a session ending cleanly. */
export function say(text: string): void {
  try {
    if (!process.stderr.destroyed) process.stderr.write(text);
  } catch {
    // nobody is listening
  }
}

export function reportAndExit(e: unknown): never {
  if (e instanceof StoppedBeforeStart) {
    say(`hokr: ${e.message}\n`);
    process.exit(isStopSignal(e.signal) ? EXIT_CODES[e.signal] : EXIT_CODES.SIGINT);
  }
  if (e instanceof DeviceError) {
    say(`hokr: ${e.message}\n`);
    process.exit(EXIT_CODES.notConnected);
  }
  if (e instanceof FileProblem || e instanceof UsageError || e instanceof GainTableError) {
    say(`hokr: ${e.message}\n`);
    process.exit(EXIT_CODES.failed);
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
 * Ends the process with a finished session's exit code. Left to end by itself, Node closes its signal handlers
 * while it tears down, and a signal arriving in that moment (a second Ctrl-C as hokr ends) kills the process,
 * replacing the exit code the ending chose (seen: 1 run in 7 of the SIGTERM-then-SIGINT test). Called once the
 * recording is closed and the lights are off; stdout and stderr are drained first (pipes are asynchronous on
 * macOS).
 */
export async function exitWith(code: number): Promise<never> {
  const drained = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed || !stream.writable) return resolve();
      stream.write("", () => resolve());
    });
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/**
 * Ends a running session cleanly on any way out: SIGINT/SIGTERM/SIGHUP interrupt it; an exception or
 * rejection nobody handled fails it. Either way the session's own ending turns every light off and flushes
 * the recording. A second signal does not kill hokr mid-ending: it only shortens the waits (`hurry`).
 * A closed stderr (the terminal gone: EPIPE) is ignored rather than becoming an endless error loop.
 */
export function sessionStopper(): { signal: AbortSignal; hurry: AbortSignal } {
  const controller = new AbortController();
  const hurry = new AbortController();
  // The terminal may go away mid-session (SIGHUP, a closed pipe): writes then fail, which must not matter.
  process.stderr.on("error", () => {});
  process.stdout.on("error", () => {});
  for (const sig of STOP_SIGNALS)
    process.on(sig, () => {
      if (!controller.signal.aborted) {
        say(FAULT_TEXT.stopping(sig));
        controller.abort(sig);
      } else {
        say(FAULT_TEXT.stillStopping(sig));
        hurry.abort(sig);
      }
    });
  const fail = (e: unknown) => {
    // An EPIPE from a vanished terminal is not the session's failure.
    if ((e as NodeJS.ErrnoException | undefined)?.code === "EPIPE") return;
    say(`hokr: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    controller.abort(e instanceof Error ? e : new Error(String(e)));
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  return { signal: controller.signal, hurry: hurry.signal };
}
