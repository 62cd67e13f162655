// Devices that play a recording back on the wire: each answers the host's commands like the original and
// sends the recorded lines at the session time the host first received them, with the recorded device
// timestamps — so the real drivers, codecs, clock alignment and pipeline see exactly what they saw live.
import type { ClockFit, DeviceClock, Placement } from "../../devices/clock-sync.ts";
import { UINT32 } from "../../devices/wire.ts";
import { LineDevice } from "../../mocks/devices/line-device.ts";
import type { SessionClock } from "../core/clock.ts";
import type { RecordedBatch } from "./recorded-lines.ts";

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
          self.sendUpTo(now, "hostMs");
          const next = self.nextMs();
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
  }

  /**
   * Sends, in order, the lines whose `column` (when received live, ms; or where placed live, µs) is at most
   * `limit`: each batch's run of them as one piece of bytes.
   */
  private sendUpTo(limit: number, column: "hostMs" | "tUs"): void {
    for (let b = this.batch; b; b = this.batch) {
      const times = column === "hostMs" ? b.hostMs : b.placed?.tUs;
      if (!times) return;
      let i = this.row;
      while (i < b.rows && (times[i] as number) <= limit) i++;
      if (i === this.row) return;
      this.sendRows(i - this.row);
      if (this.batch === b) return; // the rest of this batch is not due yet
    }
  }

  /** Sends the batch's next `n` lines, telling the clock where the live run placed them. */
  private sendRows(n: number): void {
    const b = this.batch as RecordedBatch;
    const from = this.row;
    const to = from + n;
    const placed = b.placed;
    const placements = this.placements;
    if (placed && placements)
      for (let i = from; i < to; i++) placements.sent(placed.deviceUs[i] as number, placed.tUs[i] as number);
    this.emitBytes(b.bytes.subarray(from === 0 ? 0 : b.ends[from - 1], b.ends[to - 1]));
    this.row = to;
    if (to === b.rows) this.nextBatch();
  }

  /**
   * Sends every recorded line not yet sent: what the live run still received while it drained its ports after
   * the protocol's end (on the real clock that is after the timeline's last moment, which replay never reaches).
   */
  sendRest(): void {
    while (this.batch) this.sendRows(this.batch.rows - this.row);
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
    if (this.inOrderAfter.has(verb)) this.sendUpTo(this.clock.now() * 1000, "tUs");
    return [];
  }
}
