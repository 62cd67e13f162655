// Serial model: the offline gain is a consolidated fraction of the online gain.
//   online  x_on : stimulus on  dx_on/dt = (a_on − x_on) / τ_on
//                  stimulus off dx_on/dt = −x_on / τ_decay
//   offline x_off: stimulus on  dx_off/dt = 0
//                  stimulus off dx_off/dt = f · x_on / τ_decay  (fraction f of what leaves online is kept)
//   gain g = g0 + x_on + x_off.  Units: g0, a_on in gain; f dimensionless (0–1); τ in minutes.
// After a long rest x_off = f · x_on(end of training): offline learning scales with online learning.
import { defineModel, ONLINE_PARAMS } from "./model.ts";

export const serial = defineModel({
  name: "serial",
  description: "offline gain is a consolidated fraction of the online gain",
  params: [
    ...ONLINE_PARAMS,
    {
      name: "f",
      lower: 0,
      upper: 1,
      start: 0.5,
      description: "fraction of online gain consolidated at rest",
    },
  ],
  dynamics: (p, { on }) => {
    const [, aOn = 0, tauOn = 1, tauDecay = 1, f = 0] = Array.from(p);
    return on
      ? { a11: -1 / tauOn, a12: 0, a21: 0, a22: 0, c1: aOn / tauOn, c2: 0 }
      : { a11: -1 / tauDecay, a12: 0, a21: f / tauDecay, a22: 0, c1: 0, c2: 0 };
  },
});
