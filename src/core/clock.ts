// The session clock: an RxJS scheduler whose now() is session time in ms. The engine never reads the wall
// clock; it is handed either a VirtualClock (replay, tests, simulation: runs as fast as the CPU allows) or a
// RealClock (the rig: monotonic, every action fired at an absolute deadline).
//
// Both keep scheduled actions in one binary heap ordered by (due time, insertion order). An action is its own
// heap entry and moves in place when it reschedules itself, so a 75-min session at 200 Hz allocates nothing
// per tick and holds a handful of live actions, not a chain of 900,000 (RxJS's VirtualTimeScheduler links
// every reschedule into the first action).
import { performance } from "node:perf_hooks";
import { type SchedulerAction, type SchedulerLike, Subscription } from "rxjs";

/** A binary min-heap of actions; each action knows its slot, so a rescheduled one moves instead of piling up. */
class ActionHeap {
  private readonly items: ClockAction<unknown>[] = [];
  /** Moves every action by `deltaMs` (order is unchanged). */
  shift(deltaMs: number): void {
    for (const a of this.items) a.due += deltaMs;
  }
  get size(): number {
    return this.items.length;
  }
  peek(): ClockAction<unknown> | undefined {
    return this.items[0];
  }
  private static less(a: ClockAction<unknown>, b: ClockAction<unknown>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }
  /** Inserts `a`, or moves it if it is already queued (its due/seq changed). */
  upsert(a: ClockAction<unknown>): void {
    if (a.slot < 0) {
      a.slot = this.items.length;
      this.items.push(a);
    }
    this.up(a.slot);
    this.down(a.slot);
  }
  pop(): ClockAction<unknown> | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (top) top.slot = -1;
    if (h.length > 0 && last) {
      h[0] = last;
      last.slot = 0;
      this.down(0);
    }
    return top;
  }
  private place(a: ClockAction<unknown>, i: number): void {
    this.items[i] = a;
    a.slot = i;
  }
  private up(from: number): void {
    const h = this.items;
    const a = h[from] as ClockAction<unknown>;
    let i = from;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as ClockAction<unknown>;
      if (!ActionHeap.less(a, parent)) break;
      this.place(parent, i);
      i = p;
    }
    this.place(a, i);
  }
  private down(from: number): void {
    const h = this.items;
    const a = h[from] as ClockAction<unknown>;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c =
        r < h.length && ActionHeap.less(h[r] as ClockAction<unknown>, h[l] as ClockAction<unknown>) ? r : l;
      const child = h[c] as ClockAction<unknown>;
      if (!ActionHeap.less(child, a)) break;
      this.place(child, i);
      i = c;
    }
    this.place(a, i);
  }
}

class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  /** Where it sits in the clock's heap (−1: not queued), and its place in the order. */
  slot = -1;
  due = 0;
  seq = 0;
  private state: T | undefined;

  constructor(
    private readonly clock: SessionClock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.clock.enqueue(this as ClockAction<unknown>, this.clock.now() + Math.max(0, delay));
    return this;
  }

  run(): void {
    if (!this.closed) this.work.call(this, this.state);
  }
}

export abstract class SessionClock implements SchedulerLike {
  protected readonly queue = new ActionHeap();
  private seq = 0;
  private readonly zeroMoves = new Set<(elapsedMs: number) => void>();

  /** Session time, ms. */
  abstract now(): number;

  /**
   * Calls `moved(elapsedMs)` each time the session's zero is moved to now (RealClock.restartAtZero): every time
   * read before then reads `elapsedMs` less from now on. Whatever holds session times across that (a device's
   * clock fit) shifts them. Returns the call that stops it.
   */
  onZeroMoved(moved: (elapsedMs: number) => void): () => void {
    this.zeroMoves.add(moved);
    return () => this.zeroMoves.delete(moved);
  }

  protected zeroMoved(elapsedMs: number): void {
    for (const moved of this.zeroMoves) moved(elapsedMs);
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new ClockAction(this, work).schedule(state, delay);
  }

  /** Called by actions only. */
  enqueue(action: ClockAction<unknown>, due: number): void {
    action.due = due;
    action.seq = this.seq++;
    this.queue.upsert(action);
    this.wake();
  }

  /** Re-arm whatever drives the queue (nothing for the virtual clock). */
  protected abstract wake(): void;

  /** Runs every action due at or before `t` (ms), in order; returns false when the queue is empty. */
  protected runDue(t: number, setNow: (due: number) => void): boolean {
    for (let a = this.queue.peek(); a !== undefined && a.due <= t; a = this.queue.peek()) {
      this.queue.pop();
      if (a.closed) continue;
      setNow(a.due);
      a.run();
    }
    return this.queue.size > 0;
  }

  /** Due time of the next live action, or undefined. */
  protected nextDue(): number | undefined {
    for (let a = this.queue.peek(); a !== undefined; a = this.queue.peek()) {
      if (!a.closed) return a.due;
      this.queue.pop();
    }
    return undefined;
  }
}

/** Virtual time: advances only when told to, jumping straight from one action to the next. */
export class VirtualClock extends SessionClock {
  /** `startMs` < 0 leaves time before the session (t = 0) for connecting devices that need it. */
  constructor(private t = 0) {
    super();
  }
  readonly kind = "virtual" as const;
  now(): number {
    return this.t;
  }
  protected wake(): void {}
  /** Runs all actions due up to `t` ms, then sets the clock to `t`. */
  advanceTo(t: number): void {
    this.runDue(t, (due) => {
      this.t = due;
    });
    this.t = Math.max(this.t, t);
  }
}

/** A word no one notifies: Atomics.wait on it sleeps the thread for its timeout. */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
/** The end of a wait that RealClock spins rather than sleeps, ms (a sleeping thread wakes up to ~0.1 ms late). */
const SPIN_MS = 0.2;
/** Longest RealClock sleeps at a time in the last 2 ms before a deadline, ms; the event loop turns between. */
const SLICE_MS = 0.25;

/**
 * Real time on the monotonic clock. Waits with setTimeout until 2 ms before the next deadline (setTimeout can
 * be 1 ms late or more), then in slices of SLICE_MS asleep in the kernel (Atomics.wait), the event loop
 * turning between them, and spins the last SPIN_MS. Measured here: p99 lateness 0.5 ms instead of
 * setTimeout's 3.5 ms worst case. Asleep, not spinning, the wait costs a 200 Hz tick stream 5 % of a core
 * instead of 60 %, leaving the cores to the rest of the rig's software (a browser showing the dashboard); in
 * slices, it lets the ports' lines be read as they arrive rather than up to 2 ms later. Deadlines are
 * absolute, so lateness never accumulates.
 */
export class RealClock extends SessionClock {
  readonly kind = "real" as const;
  private origin = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private slice: NodeJS.Immediate | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private running = false;

  constructor(
    private readonly onError: (e: unknown) => void = (e) =>
      setImmediate(() => {
        throw e;
      }),
  ) {
    super();
  }

  now(): number {
    return performance.now() - this.origin;
  }

  protected wake(): void {
    if (this.running) return;
    const due = this.nextDue();
    if (due === undefined || due >= this.armedFor) return;
    this.disarm();
    this.armedFor = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.now() - 2));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    clearImmediate(this.slice);
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.armedFor = Number.POSITIVE_INFINITY;
    const due = this.nextDue();
    if (due === undefined) return;
    const sleepMs = due - this.now() - SPIN_MS;
    if (sleepMs > 0) {
      Atomics.wait(SLEEPER, 0, 0, Math.min(SLICE_MS, sleepMs));
      if (due - this.now() > SPIN_MS) {
        this.armedFor = due;
        this.slice = setImmediate(() => this.fire());
        return;
      }
    }
    while (this.now() < due) {
      // the last SPIN_MS to the deadline
    }
    this.running = true;
    try {
      this.runDue(this.now(), () => {});
    } catch (e) {
      this.onError(e);
    } finally {
      this.running = false;
    }
    this.wake();
  }

  /**
   * Makes now() read 0 (the session starts now, after the rig connected); pending actions keep their delays.
   */
  restartAtZero(): void {
    const elapsed = this.now();
    this.origin += elapsed;
    this.queue.shift(-elapsed);
    this.disarm();
    this.zeroMoved(elapsed);
    this.wake();
  }

  /** Stops firing; pending actions are dropped. */
  stop(): void {
    this.disarm();
    while (this.queue.size > 0) this.queue.pop();
  }
}

/**
 * Emits 0, 1, 2, … at t0 + k·periodMs on the clock. Each tick is scheduled from its absolute deadline (integer k
 * times the period), so neither timer lateness nor floating-point accumulation can drift the stream.
 */
export function scheduleTicks(
  clock: SessionClock,
  t0: number,
  periodMs: number,
  onTick: (k: number, t: number) => void,
): Subscription {
  // Tick times are session times: a stream started while connecting keeps its rhythm when the zero moves.
  let origin = t0;
  const stopShifting = clock.onZeroMoved((elapsedMs) => {
    origin -= elapsedMs;
  });
  const ticks = clock.schedule<number>(
    function (k = 0) {
      onTick(k, origin + k * periodMs);
      this.schedule(k + 1, origin + (k + 1) * periodMs - clock.now());
    },
    Math.max(0, t0 - clock.now()),
    0,
  );
  ticks.add(() => {
    stopShifting();
  });
  return ticks;
}
