// Devices that play a recording back on the wire: each answers the host's commands like the original and
// sends the recorded lines at the session time the host first received them, with the recorded device
// timestamps — so the real drivers, codecs, clock alignment and pipeline see exactly what they saw live.
import type { ClockFit, DeviceClock, Placement } from "../../devices/clock-sync.ts";
import { UINT32 } from "../../devices/wire.ts";
import { LineDevice } from "../../mocks/devices/line-device.ts";
import type { SessionClock } from "../core/clock.ts";

export interface RecordedLine {
  /** Session time the host received it live, ms. */
  hostMs: number;
  line: string;
  /** Its device time, µs, and the session time the live run placed it at, µs (when it has one). */
  deviceUs?: number;
  tUs?: number;
}

/**
 * Places a replayed device's times exactly where the live run placed them: the device hands over each recorded
 * line's (device time, session time) as it sends it, and the port, reading the lines in the same order, takes
 * them back. Lines the recording does not hold (replies to this replay's own commands) are placed at the
 * offset of the last recorded one. So replay does not fit the clock again: it reproduces the live alignment.
 */
export class RecordedClock implements DeviceClock {
  private readonly queue: { deviceUs: number; tUs: number }[] = [];
  private head = 0;
  private last: { deviceUs: number; tUs: number } | undefined;

  sent(deviceUs: number, tUs: number): void {
    this.queue.push({ deviceUs, tUs });
  }

  toDeviceMs(sessionMs: number): number {
    return this.last ? this.last.deviceUs / 1000 + (sessionMs - this.last.tUs / 1000) : sessionMs;
  }

  place(deviceUs: number, hostMs: number): Placement {
    const next = this.queue[this.head];
    if (next !== undefined && next.deviceUs === deviceUs) {
      this.head++;
      if (this.head > 4096) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.last = next;
      return { ok: true, deviceMs: deviceUs / 1000, tMs: next.tUs / 1000 };
    }
    if (!this.last) return { ok: true, deviceMs: deviceUs / 1000, tMs: hostMs };
    // Signed difference of two wrapping 32-bit µs counts.
    const du = ((((deviceUs - this.last.deviceUs) % UINT32) + UINT32 * 1.5) % UINT32) - UINT32 / 2;
    return { ok: true, deviceMs: deviceUs / 1000, tMs: (this.last.tUs + du) / 1000 };
  }

  restart(): void {}

  /** Replay runs on the virtual clock, whose zero never moves; recorded placements are session times already. */
  shiftSession(): void {}

  fit(): ClockFit {
    return { offsetMs: 0, driftPpm: 0, residualMs: 0, blocks: 0, rejected: 0, restarts: 0 };
  }
}

export class RecordedStreamDevice extends LineDevice {
  private next: RecordedLine | undefined;
  private playing = false;

  constructor(
    clock: SessionClock,
    bootUs: number,
    private readonly hello: (string | number)[],
    private readonly lines: Iterator<RecordedLine>,
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
    this.next = this.lines.next().value;
    const clock = this.clock;
    const self = this;
    if (this.next)
      clock.schedule(
        function () {
          for (let r = self.next; r !== undefined && r.hostMs <= clock.now(); r = self.next) {
            self.sendNext(r);
          }
          if (self.next) this.schedule(undefined, self.next.hostMs - clock.now());
        },
        Math.max(0, this.next.hostMs - clock.now()),
      );
  }

  /** Sends recorded line `r` (the next one), telling the clock where the live run placed it. */
  private sendNext(r: RecordedLine): void {
    if (r.deviceUs !== undefined && r.tUs !== undefined) this.placements?.sent(r.deviceUs, r.tUs);
    this.emit(r.line);
    this.next = this.lines.next().value;
  }

  /**
   * Sends every recorded line not yet sent: what the live run still received while it drained its ports after
   * the protocol's end (on the real clock that is after the timeline's last moment, which replay never reaches).
   */
  sendRest(): void {
    for (let r = this.next; r !== undefined; r = this.next) {
      this.sendNext(r);
    }
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
      for (let r = this.next; r !== undefined && (r.tUs ?? Number.POSITIVE_INFINITY) <= nowUs; r = this.next)
        this.sendNext(r);
    }
    return [];
  }
}
