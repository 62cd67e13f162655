// A device's own free-running clock, for a simulated device running as its own process behind a real serial
// port. Unlike the rig's RealClock it never blocks before a deadline: a device process streaming at 1 kHz must
// not hold a core the host needs. Its lines are stamped when they leave (as a device stamps them), so a late
// timer moves a stamp by that lateness, never the clock itself.
import { SessionClock } from "../../src/core/clock.ts";

/** CLOCK_MONOTONIC in ms: the same time base in every process on the machine. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export class DeviceClock extends SessionClock {
  /** monotonicMs() at this clock's zero. */
  readonly originMs = monotonicMs();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  now(): number {
    return monotonicMs() - this.originMs;
  }

  /** A time on this clock as a monotonic time, comparable across processes. */
  toMonotonic(tMs: number): number {
    return tMs + this.originMs;
  }

  protected wake(): void {
    const due = this.nextDue();
    if (due === undefined || due >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(() => {
      this.armedFor = Number.POSITIVE_INFINITY;
      // Catch up in this turn: an action that reschedules itself while late (a 1 kHz stream after a pause)
      // is due again at once, and one tick per turn of the event loop would never catch up.
      for (let next = this.nextDue(); next !== undefined && next <= this.now(); next = this.nextDue())
        this.runDue(this.now(), () => {});
      this.wake();
    }, due - this.now());
  }
}
