// Simulated `hokr-drum` / `hokr-stripe` controller: the device model (SimulatedStimulus, which generates the
// sinusoid) behind the real wire protocol.
import { stimulusCommands, stimulusEvents } from "../../devices/drum/codec.ts";
import { DRUM, DRUM_LIMITS } from "../../devices/drum/description.ts";
import { STRIPE_DISPLAY } from "../../devices/stripe-display/description.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { SimulatedStimulus } from "../simulated-rig.ts";
import { LineDevice, Refusal } from "./line-device.ts";

export class SimulatedStimulusController extends LineDevice {
  private spatialFrequencyCpd: number | undefined;

  constructor(
    clock: SessionClock,
    private readonly stimulus: SimulatedStimulus,
    private readonly kind: "drum" | "stripe" = "drum",
    private readonly maxAmplitudeDeg: number = DRUM_LIMITS.maxAmplitudeDeg,
  ) {
    super(clock, 2_000_000_000);
    stimulus.reports$.subscribe((s) =>
      this.emit(
        stimulusEvents.encode({ tag: "P", deviceUs: this.deviceUsAt(s.tMs), positionDeg: s.positionDeg }),
      ),
    );
  }

  protected command(verb: string, args: string[], line: string): (string | number)[] {
    const description = this.kind === "drum" ? DRUM : STRIPE_DISPLAY;
    const c = Object.hasOwn(description.commands, verb) ? stimulusCommands.decode(verb, args, line) : null;
    if (!c)
      throw new Refusal(
        1,
        `unknown verb ${verb}${this.kind === "drum" ? " (a drum has no spatial frequency)" : ""}`,
      );
    switch (c.tag) {
      case "HELLO":
        return [description.device, description.version, this.maxAmplitudeDeg];
      case "SINE":
        if (c.amplitudeDeg > this.maxAmplitudeDeg)
          throw new Refusal(2, `amplitude above ${this.maxAmplitudeDeg} deg`);
        this.stimulus.start({ amplitudeDeg: c.amplitudeDeg, frequencyHz: c.frequencyHz });
        return [];
      case "STOP":
        this.stimulus.stop();
        return [];
      case "RATE":
        this.stimulus.reportRateHz = c.hz;
        return [];
      case "SF":
        this.spatialFrequencyCpd = c.cyclesPerDeg;
        return [];
      case "PING":
        return [];
    }
  }

  get spatialFrequency(): number | undefined {
    return this.spatialFrequencyCpd;
  }
}
