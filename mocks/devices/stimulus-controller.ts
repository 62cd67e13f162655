// Simulated `hokr-drum` / `hokr-stripe` controller: the device model (SimulatedStimulus, which generates the
// sinusoid) behind the real wire protocol.
import { STIMULUS_EVENTS, stimulusCommands, stimulusEvents } from "../../devices/drum/codec.ts";
import { DRUM, DRUM_LIMITS } from "../../devices/drum/description.ts";
import { fieldIndex } from "../../devices/messages.ts";
import { STRIPE_DISPLAY } from "../../devices/stripe-display/description.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { SimulatedStimulus } from "../simulated-rig.ts";
import { LineDevice, Refusal } from "./line-device.ts";

/** `P deviceUs positionDeg`, the position report streamed through the session. */
const P = stimulusEvents.numeric("P");
const P_TIME = fieldIndex(STIMULUS_EVENTS, "P", "deviceUs");
const P_POSITION = fieldIndex(STIMULUS_EVENTS, "P", "positionDeg");

export class SimulatedStimulusController extends LineDevice {
  private spatialFrequencyCpd: number | undefined;

  constructor(
    clock: SessionClock,
    private readonly stimulus: SimulatedStimulus,
    private readonly kind: "drum" | "stripe" = "drum",
    private readonly maxAmplitudeDeg: number = DRUM_LIMITS.maxAmplitudeDeg,
  ) {
    super(clock, 2_000_000_000);
    const report = new Float64Array(P.specs.length);
    stimulus.reports$.subscribe((s) => {
      report[P_TIME] = this.deviceUsAt(s.tMs);
      report[P_POSITION] = s.positionDeg;
      this.emitNumeric(P, report);
    });
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
