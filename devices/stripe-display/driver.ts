// Host driver for a `hokr-stripe` display: the drum's protocol plus the stripes' spatial frequency.

import type { STIMULUS_EVENTS } from "../drum/codec.ts";
import { SerialStimulus } from "../drum/driver.ts";
import type { LinePort } from "../line-port.ts";
import type { StimulusMotion } from "../rig.ts";
import { STRIPE_DISPLAY } from "./description.ts";

export class SerialStripeDisplay extends SerialStimulus {
  constructor(port: LinePort<typeof STIMULUS_EVENTS>) {
    super(port, [STRIPE_DISPLAY]);
  }

  override start(s: StimulusMotion): void {
    if (s.spatialFrequencyCpd !== undefined)
      this.fireAndForget({ tag: "SF", cyclesPerDeg: s.spatialFrequencyCpd });
    super.start(s);
  }
}
