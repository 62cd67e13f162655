// Memory-transfer model (Yamazaki, Nagao, Lennon & Tanaka 2015, PNAS; ModelDB 180823).
// Original: cortical weight w, nuclear weight v, training  dw/dt = (w0 − c_okr − w) / τ_learn,
// rest dw/dt = (w0 − w) / τ_recov, always dv/dt = (w_mli − w) / τ_v, OKR gain = g_okr (v − w + w_mli).
// With w0 = w_mli (as in the paper), in deviations y = −g_okr (w − w0) and z = g_okr (v − v0):
//   stimulus on  dy/dt = (a − y) / τ_learn      (a = g_okr · c_okr: cortical change, gain)
//   stimulus off dy/dt = −y / τ_recov
//   always       dz/dt = y / τ_v                (the nucleus slowly takes over what the cortex learned)
//   gain g = g0 + y + z  (g0 = g_okr · v0).  Units: g0, a in gain; τ in minutes.
// Only the product g_okr · c_okr shapes the curve, so it is one parameter. The paper's Euler steps clip
// w, v ≥ 0; gain changes here are far from that, so the exact linear solution is used.
import { defineModel } from "./model.ts";

export const transfer = defineModel({
  name: "transfer",
  description: "cortical learning transferred to the cerebellar nucleus (Yamazaki et al. 2015)",
  params: [
    { name: "g0", lower: 0, upper: 2, start: 0.5, description: "gain before training" },
    { name: "a", lower: -2, upper: 2, start: 0.3, description: "cortical change g_okr·c_okr, gain" },
    { name: "tau_learn_min", lower: 0.1, upper: 1000, start: 20, description: "cortical learning, min" },
    {
      name: "tau_recov_min",
      lower: 0.1,
      upper: 10000,
      start: 150,
      description: "cortical recovery at rest, min",
    },
    { name: "tau_v_min", lower: 0.1, upper: 100000, start: 330, description: "transfer to the nucleus, min" },
  ],
  output: [1, 1],
  dynamics: (p, { on }) => {
    const [, a = 0, tauLearn = 1, tauRecov = 1, tauV = 1] = Array.from(p);
    // states (y, z)
    return on
      ? { a: [-1 / tauLearn, 0, 1 / tauV, 0], c: [a / tauLearn, 0] }
      : { a: [-1 / tauRecov, 0, 1 / tauV, 0], c: [0, 0] };
  },
});
