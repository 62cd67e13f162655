// Simulated `hokr-drum` / `hokr-stripe` controller: the device model (SimulatedStimulus, which generates the
// sinusoid) behind the real wire protocol.
import { stimulusCommands, stimulusEvents } from "../../devices/drum/codec.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { SimulatedStimulus } from "../simulated-rig.ts";
import { LineDevice, Refusal } from "./line-device.ts";

export class SimulatedStimulusController extends LineDevice {
  private spatialFrequencyCpd: number | undefined;

  constructor(
    clock: SessionClock,
    private readonly stimulus: SimulatedStimulus,
    private readonly kind: "drum" | "stripe" = "drum",
    private readonly maxAmplitudeDeg = 45,
  ) {
    super(clock, 2_000_000_000);
    stimulus.samples$.subscribe((s) =>
      this.emit(stimulusEvents.encode({ tag: "P", deviceUs: this.deviceUs(), positionDeg: s.positionDeg })),
    );
  }

  protected command(verb: string, args: string[], line: string): (string | number)[] {
    const c = stimulusCommands.decode(verb, args, line);
    if (!c) throw new Refusal(1, `unknown verb ${verb}`);
    switch (c.tag) {
      case "HELLO":
        return [this.kind === "drum" ? "hokr-drum" : "hokr-stripe", 1, this.maxAmplitudeDeg];
      case "SINE":
        if (c.amplitudeDeg > this.maxAmplitudeDeg)
          throw new Refusal(2, `amplitude above ${this.maxAmplitudeDeg} deg`);
        if (c.frequencyHz <= 0) throw new Refusal(2, "frequency must be > 0");
        this.stimulus.start({
          kind: this.kind,
          waveform: "sinusoidal",
          amplitudeDeg: c.amplitudeDeg,
          frequencyHz: c.frequencyHz,
        });
        return [];
      case "STOP":
        this.stimulus.stop();
        return [];
      case "RATE":
        this.stimulus.reportRateHz = c.hz;
        return [];
      case "SF":
        if (this.kind !== "stripe") throw new Refusal(1, "a drum has no spatial frequency");
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
