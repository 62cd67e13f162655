// Devices that play a recording back on the wire: each answers the host's commands like the original and
// sends the recorded lines at the session time the host first received them, with the recorded device
// timestamps — so the real drivers, codecs, clock alignment and pipeline see exactly what they saw live.
import type { ClockFit, DeviceClock, Placement } from "../../devices/clock-sync.ts";
import { fieldIndex } from "../../devices/line-port.ts";
import { MAX_FIELDS, type NumericEvent } from "../../devices/messages.ts";
import { UINT32 } from "../../devices/wire.ts";
import { LineDevice } from "../../mocks/devices/line-device.ts";
import type { SessionClock } from "../core/clock.ts";

/**
 * A run of recorded lines, column by column, as a recording is read (in large chunks, no object per line). Its
 * arrays may be reused for the next batch: a device reads a batch to its end before it asks for the next.
 */
export interface RecordedBatch {
  rows: number;
  /** Session time the host received each line live, ms. */
  hostMs: ArrayLike<number>;
  /** Each line's device time, µs, and the session time the live run placed it at, µs (absent: not known). */
  placed?: { deviceUs: ArrayLike<number>; tUs: ArrayLike<number> };
  /**
   * The lines: a numeric event with its fields column by column in the event's order (undefined: left out),
   * written straight into the outgoing bytes; or, for the few others (light edges), their text.
   */
  lines: { event: NumericEvent; fields: readonly (ArrayLike<number> | undefined)[] } | readonly string[];
}

/**
 * The lines of a sample stream: `event` with each line's device time (its `deviceUs` field) and one value (its
 * field `valueField`), the event's other fields left out.
 */
export function sampleLines(
  event: NumericEvent,
  deviceUs: ArrayLike<number>,
  valueField: string,
  values: ArrayLike<number>,
): RecordedBatch["lines"] {
  const fields: (ArrayLike<number> | undefined)[] = event.specs.map(() => undefined);
  const table = { [event.tag]: event.specs };
  fields[fieldIndex(table, event.tag, "deviceUs")] = deviceUs;
  fields[fieldIndex(table, event.tag, valueField)] = values;
  return { event, fields };
}

/**
 * Places a replayed device's times exactly where the live run placed them: the device hands over each recorded
 * line's (device time, session time) as it sends it, and the port, reading the lines in the same order, takes
 * them back. Lines the recording does not hold (replies to this replay's own commands) are placed at the
 * offset of the last recorded one. So replay does not fit the clock again: it reproduces the live alignment.
 */
export class RecordedClock implements DeviceClock {
  /** Placements sent and not yet taken: device µs and session µs, from `head` on (two arrays, no object each). */
  private readonly deviceUs: number[] = [];
  private readonly tUs: number[] = [];
  private head = 0;
  /** The last recorded placement taken (device µs, session µs); NaN before the first. */
  private lastDeviceUs = Number.NaN;
  private lastTUs = Number.NaN;

  sent(deviceUs: number, tUs: number): void {
    this.deviceUs.push(deviceUs);
    this.tUs.push(tUs);
  }

  toDeviceMs(sessionMs: number): number {
    return Number.isNaN(this.lastTUs)
      ? sessionMs
      : this.lastDeviceUs / 1000 + (sessionMs - this.lastTUs / 1000);
  }

  place(deviceUs: number, hostMs: number): Placement {
    const deviceMs = deviceUs / 1000;
    if (this.head < this.deviceUs.length && this.deviceUs[this.head] === deviceUs) {
      const tUs = this.tUs[this.head++] as number;
      if (this.head > 4096) {
        this.deviceUs.splice(0, this.head);
        this.tUs.splice(0, this.head);
        this.head = 0;
      }
      this.lastDeviceUs = deviceUs;
      this.lastTUs = tUs;
      return { ok: true, deviceMs, tMs: tUs / 1000 };
    }
    if (Number.isNaN(this.lastTUs)) return { ok: true, deviceMs, tMs: hostMs };
    // Signed difference of two wrapping 32-bit µs counts.
    const du = ((((deviceUs - this.lastDeviceUs) % UINT32) + UINT32 * 1.5) % UINT32) - UINT32 / 2;
    return { ok: true, deviceMs, tMs: (this.lastTUs + du) / 1000 };
  }

  restart(): void {}

  /** Replay runs on the virtual clock, whose zero never moves; recorded placements are session times already. */
  shiftSession(): void {}

  fit(): ClockFit {
    return { offsetMs: 0, driftPpm: 0, residualMs: 0, blocks: 0, rejected: 0, restarts: 0 };
  }
}

export class RecordedStreamDevice extends LineDevice {
  /** The batch being played and its next row; undefined when all is sent. */
  private batch: RecordedBatch | undefined;
  private row = 0;
  /** A numeric line's fields (left-out ones NaN). */
  private readonly fields = new Float64Array(MAX_FIELDS);
  private playing = false;

  constructor(
    clock: SessionClock,
    bootUs: number,
    private readonly hello: (string | number)[],
    private readonly batches: Iterator<RecordedBatch>,
    /** Told each recorded line's placement as it is sent. */
    private readonly placements?: RecordedClock,
    /** Verbs whose reply must follow what the device did before it got them (see `command`). */
    private readonly inOrderAfter: ReadonlySet<string> = new Set(),
  ) {
    super(clock, bootUs);
  }

  override attach(send: (bytes: Uint8Array) => void): void {
    super.attach(send);
    if (this.playing) return;
    this.playing = true;
    this.nextBatch();
    const clock = this.clock;
    const self = this;
    const first = this.nextMs();
    if (first !== undefined)
      clock.schedule(
        function () {
          const now = clock.now();
          let next = self.nextMs();
          for (; next !== undefined && next <= now; next = self.nextMs()) self.sendNext();
          if (next !== undefined) this.schedule(undefined, next - now);
        },
        Math.max(0, first - clock.now()),
      );
  }

  /** When the next line was received live, ms; undefined when all is sent. */
  private nextMs(): number | undefined {
    return this.batch?.hostMs[this.row];
  }

  private nextBatch(): void {
    this.row = 0;
    for (let b = this.batches.next(); ; b = this.batches.next()) {
      this.batch = b.done ? undefined : b.value;
      if (!this.batch || this.batch.rows > 0) break;
    }
    const lines = this.batch?.lines;
    if (lines && "event" in lines)
      lines.fields.forEach((column, k) => {
        if (!column) this.fields[k] = Number.NaN;
      });
  }

  /** Sends the next recorded line, telling the clock where the live run placed it. */
  private sendNext(): void {
    const b = this.batch as RecordedBatch;
    const i = this.row;
    if (b.placed) this.placements?.sent(b.placed.deviceUs[i] as number, b.placed.tUs[i] as number);
    const lines = b.lines;
    if ("event" in lines) {
      const columns = lines.fields;
      for (let k = 0; k < columns.length; k++) {
        const column = columns[k];
        if (column) this.fields[k] = column[i] as number;
      }
      this.emitNumeric(lines.event, this.fields);
    } else this.emit(lines[i] as string);
    if (++this.row === b.rows) this.nextBatch();
  }

  /**
   * Sends every recorded line not yet sent: what the live run still received while it drained its ports after
   * the protocol's end (on the real clock that is after the timeline's last moment, which replay never reaches).
   */
  sendRest(): void {
    while (this.batch) this.sendNext();
  }

  /**
   * Commands are acknowledged as the original device did; their effects are already in the recording. The
   * reply to a verb in `inOrderAfter` follows every recorded line of what happened on the device before the
   * command was sent: the drum's STOP, whose reply tells the analysis that no report comes after it. Live, a
   * report made just before the STOP reached the host first even when it arrived after the command left (one
   * port keeps order); replayed at once, the reply would overtake it and the report be dropped.
   */
  protected command(verb: string): (string | number)[] {
    if (verb === "HELLO") return this.hello;
    if (this.inOrderAfter.has(verb)) {
      const nowUs = this.clock.now() * 1000;
      while (this.batch?.placed && (this.batch.placed.tUs[this.row] as number) <= nowUs) this.sendNext();
    }
    return [];
  }
}
