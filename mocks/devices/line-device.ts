// The device side of the hokr line framing, for simulated devices: assembles command lines from host bytes,
// answers each with OK/ERR, and stamps everything with a 32-bit µs device clock that started before the
// session (so the host's unwrapping and clock alignment are exercised).

import { encodeNumeric, type NumericEvent, numericBytes } from "../../devices/messages.ts";
import { formatErr, formatOk, parseCommand, UINT32, WireError } from "../../devices/wire.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import { writeText } from "../../src/core/digits.ts";
import type { SimulatedSerialDevice } from "../serial-binding.ts";

const LF = 10;

/** A command the device refuses: `ERR <code> <text>`. */
export class Refusal extends Error {
  constructor(
    readonly code: 1 | 2 | 3,
    text: string,
  ) {
    super(text);
  }
}

export abstract class LineDevice implements SimulatedSerialDevice {
  private send: ((bytes: Uint8Array) => void) | undefined;
  private partial = "";
  /** Lines queued for the next write: `outgoing[0..pos)`. */
  private outgoing = new Uint8Array(1 << 12);
  private pos = 0;

  constructor(
    protected readonly clock: SessionClock,
    /** Device clock at session time 0, µs: the device booted this long before the session. */
    private bootUs = 3_000_000_000,
  ) {
    // A device's clock runs on when the host moves the session's zero (the session starts after connecting).
    clock.onZeroMoved((elapsedMs) => {
      this.bootUs += Math.round(elapsedMs * 1000);
    });
  }

  /** The device restarted (power cycle, replug): its clock now reads `deviceUs`. */
  restartClock(deviceUs = 0): void {
    this.bootUs = deviceUs - Math.round(this.clock.now() * 1000);
  }

  deviceUs(): number {
    return this.deviceUsAt(this.clock.now());
  }

  /**
   * The device clock at session time `tMs`, µs. Events are stamped with when they happened (a frame's exposure,
   * an edge), not when their line leaves: on a busy real clock the two differ.
   */
  deviceUsAt(tMs: number): number {
    return (((Math.round(tMs * 1000) + this.bootUs) % UINT32) + UINT32) % UINT32;
  }

  attach(send: (bytes: Uint8Array) => void): void {
    this.send = send;
  }

  detach(): void {
    this.send = undefined;
    this.pos = 0;
    this.onDetach();
  }

  protected onDetach(): void {}

  /**
   * Queues a line; everything queued in one turn of the event loop leaves as one write, the way a USB serial
   * device ships lines in packets (and far cheaper than a Buffer per line).
   */
  protected emit(line: string): void {
    if (!this.room(line.length + 1)) return;
    this.pos = writeText(this.outgoing, this.pos, line);
    this.outgoing[this.pos++] = LF;
  }

  /** `emit(codec.encode(…))` for a numeric event, with its fields written straight into the outgoing bytes. */
  protected emitNumeric(e: NumericEvent, fields: ArrayLike<number>): void {
    if (!this.room(numericBytes(e) + 1)) return;
    this.pos = encodeNumeric(e, fields, this.outgoing, this.pos);
    this.outgoing[this.pos++] = LF;
  }

  /** Lines already encoded, each ending in LF (a replay's recorded lines). */
  protected emitBytes(lines: Uint8Array): void {
    if (!this.room(lines.length)) return;
    this.outgoing.set(lines, this.pos);
    this.pos += lines.length;
  }

  /** Room for `n` more outgoing bytes, the write queued; false when detached (nothing is sent). */
  private room(n: number): boolean {
    if (!this.send) return false;
    if (this.pos === 0) queueMicrotask(() => this.flush());
    if (this.pos + n > this.outgoing.length) {
      const grown = new Uint8Array(Math.max(2 * this.outgoing.length, this.pos + n));
      grown.set(this.outgoing.subarray(0, this.pos));
      this.outgoing = grown;
    }
    return true;
  }

  private flush(): void {
    const n = this.pos;
    this.pos = 0;
    // The receiver copies what it keeps (SimulatedSerialDevice.attach): the buffer is reused.
    if (n > 0) this.send?.(this.outgoing.subarray(0, n));
  }

  receive(bytes: Uint8Array): void {
    const text = this.partial + Buffer.from(bytes).toString("latin1");
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.onCommandLine(line);
  }

  private onCommandLine(line: string): void {
    let id = 0;
    try {
      const c = parseCommand(line);
      id = c.id;
      const values = this.command(c.verb, c.args, line);
      this.emit(formatOk(c.id, this.deviceUs(), values));
    } catch (e) {
      if (e instanceof Refusal) this.emit(formatErr(id, e.code, e.message));
      else if (e instanceof WireError && id > 0) this.emit(formatErr(id, 2, e.reason));
      else if (!(e instanceof WireError)) throw e;
      // A line without a usable id cannot be answered; a real device drops it too.
    }
  }

  /** Handles one command; returns the OK reply's values, or throws Refusal / WireError (→ ERR 2). */
  protected abstract command(verb: string, args: string[], line: string): (string | number)[];
}
