// Host driver for a `hokr-eye` tracker: streams frames in degrees (`S`), or in pixels (`R`) converted with
// the rig's calibration. A tracker that goes silent while streaming is a fault.
import { map, type Observable, Subject, type Subscription } from "rxjs";
import type { SessionClock } from "../../src/core/clock.ts";
import { FAULT_TEXT } from "../../src/core/faults.ts";
import { type EyeSample, onPositionGrid } from "../../src/core/samples.ts";
import { checkHello, eventsOf, type LinePort, readPending } from "../line-port.ts";
import type { DeviceFault, EyeTracker } from "../rig.ts";
import { type EyeCalibration, pixelsToDegrees } from "./calibration.ts";
import { type EYE_EVENTS, eyeCommands } from "./codec.ts";
import { EYE_TRACKER } from "./description.ts";

type EyePort = LinePort<typeof EYE_EVENTS>;

export class SerialEyeTracker implements EyeTracker {
  private readonly faults = new Subject<DeviceFault>();
  private lastFrameMs = Number.NaN;
  private watchdog: Subscription | undefined;
  private portLoss: Subscription | undefined;
  readonly faults$ = this.faults.asObservable();
  /** What the tracker answered to HELLO (kind, protocol version, frame rate, units), once connected. */
  identity: string[] | undefined;
  readonly samples$: Observable<EyeSample>;
  readonly status$;

  constructor(
    private readonly port: EyePort,
    private readonly clock: SessionClock,
    private readonly calibration: EyeCalibration | undefined,
  ) {
    this.samples$ = eventsOf(port, "S", "R").pipe(
      map(({ event, tMs, hostMs }) => {
        this.lastFrameMs = hostMs;
        const xDeg =
          event.tag === "S"
            ? event.xDeg
            : calibration
              ? onPositionGrid(pixelsToDegrees(event.pupilXPx, event.crXPx, calibration))
              : Number.NaN;
        return { tMs, hostMs, deviceUs: event.deviceUs, xDeg };
      }),
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
    await this.port.request("START", (id) => eyeCommands.encode(id, { tag: "START" }), timeoutMs);
    this.lastFrameMs = this.clock.now();
    // Silence is watched only while the port is there; a port that went away is a fault of its own.
    this.watchdog?.unsubscribe();
    this.portLoss?.unsubscribe();
    this.portLoss = this.port.closed$.subscribe(() => this.watchdog?.unsubscribe());
    const self = this;
    const silent = () => self.clock.now() - self.lastFrameMs > silenceMs;
    this.watchdog = this.clock.schedule(function () {
      if (!silent()) {
        this.schedule(undefined, silenceMs / 4);
        return;
      }
      void readPending()
        .then(async () => {
          if (!silent()) return true;
          // Silent: is the tracker still there? A port that went away (unplugged, where reading it shows
          // nothing amiss) fails this write, and the rig reports the loss of the port instead of the camera.
          await self.port
            .request("PING", (id) => eyeCommands.encode(id, { tag: "PING" }), silenceMs / 4)
            .catch(() => {});
          return !silent();
        })
        .then((talking) => {
          if (this.closed || self.port.closed) return;
          if (talking) this.schedule(undefined, silenceMs / 4);
          else
            self.faults.next({
              device: "eye tracker",
              message: FAULT_TEXT.noFrames(self.port.path, silenceMs),
            });
        });
    }, silenceMs / 4);
  }

  async close(): Promise<void> {
    this.watchdog?.unsubscribe();
    this.portLoss?.unsubscribe();
    if (!this.port.closed)
      await this.port.request("STOP", (id) => eyeCommands.encode(id, { tag: "STOP" })).catch(() => {});
  }
}
