// Host driver for a `hokr-drum` stimulus controller (and, with spatial frequency, `hokr-stripe`): the device
// generates the sinusoid and reports its position; the host starts, stops and listens.
import { type Observable, Subject, type Subscription } from "rxjs";
import { DeviceError } from "../../src/core/faults.ts";
import type { SampleBatch } from "../../src/core/samples.ts";
import type { DeviceDescription } from "../description.ts";
import { RIG_CONTROLLER } from "../firmware/description.ts";
import { checkHello, type LinePort, type OkReply } from "../line-port.ts";
import { fieldIndex } from "../messages.ts";
import type { DeviceFault, StimulusMotion, VisualStimulus } from "../rig.ts";
import { STIMULUS_EVENTS, type StimulusCommand, stimulusCommands } from "./codec.ts";
import { DRUM } from "./description.ts";

type StimulusPort = LinePort<typeof STIMULUS_EVENTS>;

/** A running drum silent this long (or four report periods, if longer) is asked whether it is still there, ms. */
const SILENT_DRUM_MS = 1000;

export class SerialStimulus implements VisualStimulus {
  private readonly faults = new Subject<DeviceFault>();
  private readonly stops = new Subject<number>();
  readonly stopped$ = this.stops.asObservable();
  readonly faults$ = this.faults.asObservable();
  /** What the device answered to HELLO (kind, protocol version, largest amplitude), once connected. */
  identity: string[] | undefined;
  readonly samples$: Observable<SampleBatch>;
  /** Position reports a second (RATE), once connected. */
  private reportRateHz = 0;
  private silence: Subscription | undefined;

  constructor(
    protected readonly port: StimulusPort,
    private readonly accepts: readonly DeviceDescription[] = [DRUM, RIG_CONTROLLER],
  ) {
    const position = fieldIndex(STIMULUS_EVENTS, "P", "positionDeg");
    this.samples$ = port.samples(["P"], (f) => f[position] as number);
  }

  /**
   * Handshake: the device's kind, protocol version and largest amplitude are checked before anything runs
   * (`needAmplitudeDeg`: the largest the protocol asks for), then reports are set to `reportRateHz`.
   */
  async connect(reportRateHz: number, timeoutMs: number, needAmplitudeDeg = 0): Promise<void> {
    const hello = await this.port.handshake(
      "HELLO",
      (id) => stimulusCommands.encode(id, { tag: "HELLO" }),
      timeoutMs,
    );
    this.identity = hello.values;
    const { description, fields } = checkHello(this.port.path, hello.values, this.accepts);
    const largest = Number(fields.maxAmplitudeDeg);
    if (fields.maxAmplitudeDeg !== undefined && largest < needAmplitudeDeg)
      throw new DeviceError(
        `${this.port.path}: ${description.device} drives at most ${largest}°, the protocol asks for ${needAmplitudeDeg}°; lower the protocol's amplitudeDeg or use a stronger drum`,
      );
    this.port.identify(description);
    await this.send({ tag: "STOP" });
    await this.port.settleClock();
    await this.send({ tag: "RATE", hz: reportRateHz });
    this.reportRateHz = reportRateHz;
  }

  protected send(c: StimulusCommand): Promise<OkReply> {
    return this.port.request(c.tag, (id) => stimulusCommands.encode(id, c));
  }

  protected fireAndForget(c: StimulusCommand): void {
    this.send(c).catch((e: Error) => this.faults.next({ device: "stimulus", message: e.message }));
  }

  start(s: StimulusMotion): void {
    this.fireAndForget({ tag: "SINE", amplitudeDeg: s.amplitudeDeg, frequencyHz: s.frequencyHz });
    // A running drum reports its position: if the reports stop, PING it, so that a port gone without a read
    // error (an unplug the host has not written to since) is found now, not at the next command.
    this.silence?.unsubscribe();
    if (this.reportRateHz > 0)
      this.silence = this.port.watchSilence(
        ["P"],
        Math.max(SILENT_DRUM_MS, 4000 / this.reportRateHz),
        () => {},
      );
  }

  stop(): void {
    this.silence?.unsubscribe();
    if (this.port.closed) return;
    // The reply comes after every position report sent before the stop (one port, in order).
    this.send({ tag: "STOP" }).then(
      (r) => this.stops.next(r.tMs),
      (e: Error) => this.faults.next({ device: "stimulus", message: e.message }),
    );
  }
}
