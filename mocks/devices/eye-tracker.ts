// Simulated `hokr-eye` tracker: a camera on the virtual mouse (SimulatedEyeTracker) behind the real wire
// protocol, streaming degrees (`S`) or, for calibration tests, raw pupil/corneal-reflection pixels (`R`).
import type { Subscription } from "rxjs";
import type { EyeCalibration } from "../../devices/eye-tracker/calibration.ts";
import { eyeCommands, eyeEvents } from "../../devices/eye-tracker/codec.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { EyeSample } from "../../src/core/samples.ts";
import { LineDevice, Refusal } from "./line-device.ts";

export class SimulatedEyeTrackerDevice extends LineDevice {
  private streaming: Subscription | undefined;

  constructor(
    clock: SessionClock,
    private readonly camera: { frames$: import("rxjs").Observable<EyeSample> },
    private readonly rateHz: number,
    /** Stream raw pixels through the inverse of this calibration instead of degrees. */
    private readonly pixels?: { calibration: EyeCalibration; crPx: number },
  ) {
    super(clock, 4_000_000_000);
  }

  private frame(s: EyeSample): string {
    const deviceUs = this.deviceUsAt(s.tMs);
    if (!this.pixels)
      return eyeEvents.encode({ tag: "S", deviceUs, xDeg: s.xDeg, yDeg: undefined, pupilPx: undefined });
    const { calibration: c, crPx } = this.pixels;
    const d =
      c.method === "pixels-per-degree" ? s.xDeg * c.pxPerDeg : c.rpPx * Math.sin((s.xDeg * Math.PI) / 180);
    return eyeEvents.encode({
      tag: "R",
      deviceUs,
      pupilXPx: crPx + d,
      crXPx: crPx,
      pupilYPx: undefined,
      crYPx: undefined,
    });
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
        this.streaming ??= this.camera.frames$.subscribe((s) => this.emit(this.frame(s)));
        return [];
      case "STOP":
        this.onDetach();
        return [];
      case "PING":
        return [];
    }
  }
}
