// Host driver for a `hokr-eye` tracker: streams frames in degrees (`S`), or in pixels (`R`) converted with
// the rig's calibration. A tracker that goes silent while streaming is a fault.
import { type Observable, Subject, type Subscription } from "rxjs";
import { FAULT_TEXT } from "../../src/core/faults.ts";
import { onPositionGrid, type SampleBatch } from "../../src/core/samples.ts";
import { checkHello, eventsOf, type LinePort } from "../line-port.ts";
import { fieldIndex } from "../messages.ts";
import type { DeviceFault, EyeTracker } from "../rig.ts";
import { type EyeCalibration, pixelsToDegrees } from "./calibration.ts";
import { EYE_EVENTS, eyeCommands } from "./codec.ts";
import { EYE_TRACKER } from "./description.ts";

type EyePort = LinePort<typeof EYE_EVENTS>;

export class SerialEyeTracker implements EyeTracker {
  private readonly faults = new Subject<DeviceFault>();
  private watchdog: Subscription | undefined;
  readonly faults$ = this.faults.asObservable();
  /** What the tracker answered to HELLO (kind, protocol version, frame rate, units), once connected. */
  identity: string[] | undefined;
  readonly samples$: Observable<SampleBatch>;
  readonly status$;

  constructor(
    private readonly port: EyePort,
    private readonly calibration: EyeCalibration | undefined,
  ) {
    const x = fieldIndex(EYE_EVENTS, "S", "xDeg");
    const pupilX = fieldIndex(EYE_EVENTS, "R", "pupilXPx");
    const crX = fieldIndex(EYE_EVENTS, "R", "crXPx");
    this.samples$ = port.samples(["S", "R"], (f, tag) =>
      tag === "S"
        ? (f[x] as number)
        : calibration
          ? onPositionGrid(pixelsToDegrees(f[pupilX] as number, f[crX] as number, calibration))
          : Number.NaN,
    );
    this.status$ = eventsOf(port, "T");
  }

  /** Handshake and start streaming; then watch for silence longer than `silenceMs`. */
  async connect(timeoutMs: number, silenceMs = 1000): Promise<void> {
    const hello = await this.port.handshake(
      "HELLO",
      (id) => eyeCommands.encode(id, { tag: "HELLO" }),
      timeoutMs,
    );
    this.identity = hello.values;
    const { description, fields } = checkHello(this.port.path, hello.values, [EYE_TRACKER]);
    this.port.identify(description);
    if (fields.stream === "px" && !this.calibration)
      throw new Error(
        `${this.port.path}: the tracker streams camera pixels; add eyeTracker.calibration to the rig configuration`,
      );
    await this.port.settleClock();
    await this.port.request("START", (id) => eyeCommands.encode(id, { tag: "START" }), timeoutMs);
    this.watchdog?.unsubscribe();
    this.watchdog = this.port.watchSilence(["S", "R"], silenceMs, () =>
      this.faults.next({ device: "eye tracker", message: FAULT_TEXT.noFrames(this.port.path, silenceMs) }),
    );
  }

  async close(): Promise<void> {
    this.watchdog?.unsubscribe();
    if (!this.port.closed)
      await this.port.request("STOP", (id) => eyeCommands.encode(id, { tag: "STOP" })).catch(() => {});
  }
}
