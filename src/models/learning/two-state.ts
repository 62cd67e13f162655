// Two-state model (Smith, Ghazizadeh & Shadmehr 2006, PLoS Biol), continuous-time form.
// Discrete original: x_i(n+1) = A_i x_i(n) + B_i e(n), e = target − (x_f + x_s). Per minute instead of per
// trial, with retention A_i = 1 − 1/τ_i and learning rate B_i = b_i:
//   dx_f/dt = −x_f / τ_f + u · b_f · (target − x_f − x_s)
//   dx_s/dt = −x_s / τ_s + u · b_s · (target − x_f − x_s)
//   u = 1 while the stimulus is on (retinal-slip error drives learning), 0 at rest (retention only).
//   gain g = g0 + x_f + x_s.  Units: g0, target in gain; b in 1/min; τ in minutes.
// The fast state forgets quickly and the slow one slowly (τ_f < τ_s): the bounds keep them on their sides
// of 60 min so the two states cannot swap labels during a fit.
import { defineModel } from "./model.ts";

export const twoState = defineModel({
  name: "two-state",
  description: "fast and slow states learning from the same error (Smith et al. 2006)",
  params: [
    { name: "g0", lower: 0, upper: 2, start: 0.5, description: "gain before training" },
    { name: "target", lower: -2, upper: 2, start: 0.3, description: "gain change the error drives towards" },
    { name: "b_f_per_min", lower: 0, upper: 10, start: 0.2, description: "fast learning rate, 1/min" },
    { name: "tau_f_min", lower: 0.1, upper: 60, start: 10, description: "fast retention time constant, min" },
    { name: "b_s_per_min", lower: 0, upper: 10, start: 0.02, description: "slow learning rate, 1/min" },
    {
      name: "tau_s_min",
      lower: 60,
      upper: 100000,
      start: 600,
      description: "slow retention time constant, min",
    },
  ],
  output: [1, 1],
  dynamics: (p, { on }) => {
    const [, target = 0, bF = 0, tauF = 1, bS = 0, tauS = 1] = Array.from(p);
    const u = on ? 1 : 0;
    // states (x_f, x_s)
    return {
      a: [-1 / tauF - u * bF, -u * bF, -u * bS, -1 / tauS - u * bS],
      c: [u * bF * target, u * bS * target],
    };
  },
});
