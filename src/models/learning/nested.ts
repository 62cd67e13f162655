// Parallel and serial online/offline learning as one nested family (Kanaya et al. 2023 vs the conventional
// serial view). Three states, times in minutes, gains dimensionless:
//   online  x_on : stimulus on   dx_on/dt = (a_on − x_on) / τ_on          (learned during training)
//                  stimulus off  dx_on/dt = −x_on / τ_decay                (forgotten at rest)
//   memory  m    : stimulus on   dm/dt = (a_on − x_on) / τ_on             (online learning accumulated while
//                  stimulus off  dm/dt = 0                                 the stimulus is on: after one training
//                                                                          m = x_on(end of training))
//   offline x_off: stimulus on   dx_off/dt = 0                             (does not develop while training)
//                  stimulus off  dx_off/dt = (a_off + k·m − x_off) / τ_off  once training has begun
//   gain g = g0 + x_on + x_off     (m is not part of the gain)
// Units: g0, a_on, a_off in gain; k dimensionless (offline gain per unit of online learning, k ≥ 0);
// τ_on, τ_decay, τ_off in min.
// After a long rest x_off = a_off + k·x_on(end of training):
//   parallel (the study's claim)  k = 0:      offline learning a_off, whatever online learning was
//   serial (conventional view)    a_off = 0:  offline learning k·x_on(T), positive and scaling with online
//   nested                        both free:  the family both are special cases of (same flexibility otherwise),
//                                             so the comparison is a test of k = 0 and of a_off = 0.
import { defineModel, type LearningModel, type ModelName, type ParamSpec } from "./model.ts";

const PARAMS: Readonly<Record<string, ParamSpec>> = {
  g0: { name: "g0", lower: 0, upper: 2, start: 0.5, description: "gain before training" },
  a_on: { name: "a_on", lower: -2, upper: 2, start: 0.2, description: "online asymptote, gain" },
  tau_on_min: {
    name: "tau_on_min",
    lower: 0.1,
    upper: 1000,
    start: 5,
    description: "online learning time constant, min",
  },
  tau_decay_min: {
    name: "tau_decay_min",
    lower: 0.1,
    upper: 10000,
    start: 20,
    description: "online decay at rest, min",
  },
  a_off: {
    name: "a_off",
    lower: -2,
    upper: 2,
    start: 0.1,
    description: "offline gain independent of online, gain",
  },
  k: { name: "k", lower: 0, upper: 5, start: 0.5, description: "offline gain per unit online learning" },
  tau_off_min: {
    name: "tau_off_min",
    lower: 0.1,
    upper: 10000,
    start: 40,
    description: "offline development at rest, min",
  },
};

/** The family's parameters in order; a member leaves out the one it holds at 0. */
const FAMILY = ["g0", "a_on", "tau_on_min", "tau_decay_min", "a_off", "k", "tau_off_min"] as const;

/** Parameters of the full family from a member's own parameter vector (the left-out one is 0). */
function familyMember(name: ModelName, held: "a_off" | "k" | undefined, description: string): LearningModel {
  const names = FAMILY.filter((n) => n !== held);
  const at = Object.fromEntries(FAMILY.map((n) => [n, names.indexOf(n as (typeof names)[number])]));
  const get = (p: ArrayLike<number>, n: (typeof FAMILY)[number]) =>
    (at[n] as number) < 0 ? 0 : (p[at[n] as number] as number);
  return defineModel({
    name,
    description,
    params: names.map((n) => PARAMS[n] as ParamSpec),
    output: [1, 1, 0],
    dynamics: (p, { on, trained }) => {
      const aOn = get(p, "a_on");
      const tauOn = get(p, "tau_on_min");
      if (on)
        // states (x_on, x_off, m)
        return { a: [-1 / tauOn, 0, 0, 0, 0, 0, -1 / tauOn, 0, 0], c: [aOn / tauOn, 0, aOn / tauOn] };
      const r = trained ? 1 / get(p, "tau_off_min") : 0;
      return {
        a: [-1 / get(p, "tau_decay_min"), 0, 0, 0, -r, get(p, "k") * r, 0, 0, 0],
        c: [0, get(p, "a_off") * r, 0],
      };
    },
  });
}

export const parallel = familyMember(
  "parallel",
  "k",
  "independent online (training) and offline (rest) components: offline target a_off (k = 0)",
);
export const serial = familyMember(
  "serial",
  "a_off",
  "offline target k·x_on(end of training): offline learning scales with online learning (a_off = 0)",
);
export const nested = familyMember(
  "nested",
  undefined,
  "offline target a_off + k·x_on(end of training): parallel and serial as special cases",
);
