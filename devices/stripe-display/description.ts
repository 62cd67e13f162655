// The `hokr-stripe` display, as data: the drum's protocol plus the stripes' spatial frequency.
import type { DeviceDescription } from "../description.ts";
import { DRUM } from "../drum/description.ts";

export const STRIPE_DISPLAY = {
  ...DRUM,
  device: "hokr-stripe",
  commands: {
    ...DRUM.commands,
    SF: {
      args: [
        { name: "cyclesPerDeg", label: "cycles_per_deg", kind: "dec", unit: "cycles/°", min: 0, max: 10 },
      ],
      doc: "spatial frequency of the stripes",
      errors: "`2`",
    },
  },
} as const satisfies DeviceDescription;
