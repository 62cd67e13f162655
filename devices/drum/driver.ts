// Host driver for a `hokr-drum` stimulus controller (and, with spatial frequency, `hokr-stripe`): the device
// generates the sinusoid and reports its position; the host starts, stops and listens.
import { map, type Observable, Subject } from "rxjs";
import type { StimulusSettings } from "../../src/protocol/schema.ts";
import { eventsOf, type LinePort, type OkReply } from "../line-port.ts";
import type { DeviceFault, StimulusSample, VisualStimulus } from "../rig.ts";
import { type STIMULUS_EVENTS, type StimulusCommand, stimulusCommands } from "./codec.ts";

type StimulusPort = LinePort<typeof STIMULUS_EVENTS>;

export class SerialStimulus implements VisualStimulus {
  private readonly faults = new Subject<DeviceFault>();
  private readonly stops = new Subject<number>();
  readonly stopped$ = this.stops.asObservable();
  readonly faults$ = this.faults.asObservable();
  /** What the device answered to HELLO (kind, protocol version, largest amplitude), once connected. */
  identity: string[] | undefined;
  readonly samples$: Observable<StimulusSample>;

  constructor(
    protected readonly port: StimulusPort,
    private readonly accepts: readonly string[] = ["hokr-drum", "hokr-rig"],
  ) {
    this.samples$ = eventsOf(port, "P").pipe(
      map(({ event, tMs, hostMs }) => ({
        tMs,
        hostMs,
        deviceUs: event.deviceUs,
        positionDeg: event.positionDeg,
      })),
    );
  }

  async connect(reportRateHz: number, timeoutMs: number): Promise<void> {
    const hello = await this.port.request(
      "HELLO",
      (id) => stimulusCommands.encode(id, { tag: "HELLO" }),
      timeoutMs,
    );
    this.identity = hello.values;
    const device = hello.values[0];
    if (!device || !this.accepts.includes(device))
      throw new Error(
        `${this.port.path}: answered as '${device ?? "?"}', expected ${this.accepts.join(" or ")}; check the rig configuration's ports`,
      );
    await this.send({ tag: "STOP" });
    await this.send({ tag: "RATE", hz: reportRateHz });
  }

  protected send(c: StimulusCommand): Promise<OkReply> {
    return this.port.request(c.tag, (id) => stimulusCommands.encode(id, c));
  }

  protected fireAndForget(c: StimulusCommand): void {
    this.send(c).catch((e: Error) => this.faults.next({ device: "stimulus", message: e.message }));
  }

  start(s: StimulusSettings): void {
    this.fireAndForget({ tag: "SINE", amplitudeDeg: s.amplitudeDeg, frequencyHz: s.frequencyHz });
  }

  stop(): void {
    if (this.port.closed) return;
    // The reply comes after every position report sent before the stop (one port, in order).
    this.send({ tag: "STOP" }).then(
      (r) => this.stops.next(r.tMs),
      (e: Error) => this.faults.next({ device: "stimulus", message: e.message }),
    );
  }
}
