// Parallel online/offline model (the study's hypothesis, Kanaya et al. 2023): two independent components.
//   online  x_on : stimulus on  dx_on/dt = (a_on − x_on) / τ_on     (learned during training)
//                  stimulus off dx_on/dt = −x_on / τ_decay           (forgotten during rest)
//   offline x_off: stimulus on  dx_off/dt = 0                         (does not develop while training)
//                  stimulus off dx_off/dt = (a_off − x_off) / τ_off   once training has begun (consolidation)
//   gain g = g0 + x_on + x_off.  Units: g0, a_on, a_off in gain; τ in minutes; t in minutes.
// The offline target a_off does not depend on how much was learned online: that independence is the claim.
import { defineModel, ONLINE_PARAMS } from "./model.ts";

export const parallel = defineModel({
  name: "parallel",
  description: "independent online (training) and offline (rest) components",
  params: [
    ...ONLINE_PARAMS,
    { name: "a_off", lower: -2, upper: 2, start: 0.1, description: "offline asymptote, gain" },
    {
      name: "tau_off_min",
      lower: 0.1,
      upper: 10000,
      start: 40,
      description: "offline development at rest, min",
    },
  ],
  dynamics: (p, { on, trained }) => {
    const [, aOn = 0, tauOn = 1, tauDecay = 1, aOff = 0, tauOff = 1] = Array.from(p);
    const offRate = !on && trained ? 1 / tauOff : 0;
    return on
      ? { a11: -1 / tauOn, a12: 0, a21: 0, a22: 0, c1: aOn / tauOn, c2: 0 }
      : { a11: -1 / tauDecay, a12: 0, a21: 0, a22: -offRate, c1: 0, c2: aOff * offRate };
  },
});
