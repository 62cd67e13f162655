// Awaiting something that needs simulated time to pass (a board booting on a VirtualClock): the clock is
// advanced in small steps, letting streams and promises run between them, until the promise settles.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { VirtualClock } from "../../src/core/clock.ts";

/** Advances `clock` by `stepMs` at a time until `promise` settles (at most `maxMs`), and returns its outcome. */
export async function advanceUntilSettled<T>(
  clock: VirtualClock,
  promise: Promise<T>,
  { stepMs = 1, maxMs = 60_000 } = {},
): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  // The caller sees the rejection through the returned promise; this copy must not count as unhandled.
  watched.catch(() => {});
  const end = clock.now() + maxMs;
  while (!settled && clock.now() < end) {
    clock.advanceTo(clock.now() + stepMs);
    await yieldToEventLoop();
  }
  if (!settled) throw new Error(`still pending after ${maxMs} ms of simulated time`);
  return watched;
}

/** Advances `clock` to `toMs` in steps of `stepMs`, letting streams deliver between steps. */
export async function advanceInSteps(clock: VirtualClock, toMs: number, stepMs = 0.25): Promise<void> {
  while (clock.now() < toMs) {
    clock.advanceTo(Math.min(toMs, clock.now() + stepMs));
    await yieldToEventLoop();
  }
}

/** Lets bytes cross the simulated ports (they move on the event loop, like real I/O). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await yieldToEventLoop();
}
