// Devices that play a recording back on the wire: each answers the host's commands like the original and
// sends the recorded lines at the session time the host first received them, with the recorded device
// timestamps — so the real drivers, codecs, clock alignment and pipeline see exactly what they saw live.
import { LineDevice } from "../../mocks/devices/line-device.ts";
import type { SessionClock } from "../core/clock.ts";

export interface RecordedLine {
  /** Session time the host received it live, ms. */
  hostMs: number;
  line: string;
}

export class RecordedStreamDevice extends LineDevice {
  private next: RecordedLine | undefined;
  private playing = false;

  constructor(
    clock: SessionClock,
    bootUs: number,
    private readonly hello: (string | number)[],
    private readonly lines: Iterator<RecordedLine>,
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
            self.emit(r.line);
            self.next = self.lines.next().value;
          }
          if (self.next) this.schedule(undefined, self.next.hostMs - clock.now());
        },
        Math.max(0, this.next.hostMs - clock.now()),
      );
  }

  /** Commands are acknowledged as the original device did; their effects are already in the recording. */
  protected command(verb: string): (string | number)[] {
    return verb === "HELLO" ? this.hello : [];
  }
}
