// Simulated `hokr-eye` tracker: a camera on the virtual mouse (SimulatedEyeTracker) behind the real wire
// protocol, streaming degrees (`S`) or, for calibration tests, raw pupil/corneal-reflection pixels (`R`).
import type { Subscription } from "rxjs";
import type { EyeCalibration } from "../../devices/eye-tracker/calibration.ts";
import { EYE_EVENTS, eyeCommands, eyeEvents } from "../../devices/eye-tracker/codec.ts";
import { fieldIndex } from "../../devices/messages.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { EyeSample } from "../../src/core/samples.ts";
import { LineDevice, Refusal } from "./line-device.ts";

const S = eyeEvents.numeric("S");
const S_TIME = fieldIndex(EYE_EVENTS, "S", "deviceUs");
const S_X = fieldIndex(EYE_EVENTS, "S", "xDeg");

export class SimulatedEyeTrackerDevice extends LineDevice {
  private streaming: Subscription | undefined;
  /** An `S` line's fields; the optional ones (y, pupil) left out. */
  private readonly sample = new Float64Array(S.specs.length).fill(Number.NaN);

  constructor(
    clock: SessionClock,
    /** Its frames may be lent for the call (SimulatedEyeTracker's are): each is written out at once. */
    private readonly camera: { frames$: import("rxjs").Observable<EyeSample> },
    private readonly rateHz: number,
    /** Stream raw pixels through the inverse of this calibration instead of degrees. */
    private readonly pixels?: { calibration: EyeCalibration; crPx: number },
  ) {
    super(clock, 4_000_000_000);
  }

  private frame(s: EyeSample): void {
    const deviceUs = this.deviceUsAt(s.tMs);
    if (!this.pixels) {
      // `S deviceUs xDeg`: the stream every session runs on, written without a string per sample
      this.sample[S_TIME] = deviceUs;
      this.sample[S_X] = s.xDeg;
      this.emitNumeric(S, this.sample);
      return;
    }
    const { calibration: c, crPx } = this.pixels;
    const d =
      c.method === "pixels-per-degree" ? s.xDeg * c.pxPerDeg : c.rpPx * Math.sin((s.xDeg * Math.PI) / 180);
    this.emit(
      eyeEvents.encode({
        tag: "R",
        deviceUs,
        pupilXPx: crPx + d,
        crXPx: crPx,
        pupilYPx: undefined,
        crYPx: undefined,
      }),
    );
  }

  protected override onDetach(): void {
    this.streaming?.unsubscribe();
    this.streaming = undefined;
  }

  protected command(verb: string, args: string[], line: string): (string | number)[] {
    const c = eyeCommands.decode(verb, args, line);
    if (!c) throw new Refusal(1, `unknown verb ${verb}`);
    switch (c.tag) {
      case "HELLO":
        return ["hokr-eye", 1, this.rateHz, this.pixels ? "px" : "deg"];
      case "START":
        this.streaming ??= this.camera.frames$.subscribe((s) => this.frame(s));
        return [];
      case "STOP":
        this.onDetach();
        return [];
      case "PING":
        return [];
    }
  }
}
