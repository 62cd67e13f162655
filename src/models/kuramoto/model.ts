// EI-Kuramoto model (Kuroki & Mizuseki, Neural Computation 37(7), 2025): parameters and initial state.
//
//   dθ_i/dt = ω_i + Σ_{b∈{E,I}} s_b·g_ab(t)·K_ab·R_b·sin(ψ_b − θ_i) + √(2D)·ξ_i(t)      (i in population a)
//
// R_b e^{iψ_b} = (1/N_b) Σ_{j∈b} e^{iθ_j} is population b's order parameter, so the coupling sum
// (K_ab/N_b) Σ_j sin(θ_j − θ_i) costs O(N) per step. s_E = +1 (excitatory input attracts), s_I = −1
// (inhibitory input repels). K_ab ≥ 0 is the input from b onto a. g_ab(t) is the inhibition gain of
// modulation.ts (1 unless modulated). Units: t in s, ω, Δ, K in rad/s, D in rad²/s.

import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";
import { quantileNormal } from "vega-statistics";
import { z } from "zod";
import { GainScheduleSchema } from "./modulation.ts";
import { fillNormal } from "./rng.ts";

export const PopulationSchema = z.object({
  n: z.number().int().min(0).max(1_000_000),
  /** centre of the natural-frequency distribution, rad/s */
  center: z.number(),
  /** Lorentzian half-width at half-maximum, or Gaussian standard deviation, rad/s */
  width: z.number().min(0),
});

/** K_ab ≥ 0, rad/s: input from population b onto population a (EI = from I onto E). */
export const CouplingsSchema = z.object({
  EE: z.number().min(0),
  EI: z.number().min(0),
  IE: z.number().min(0),
  II: z.number().min(0),
});

export const ModelSchema = z.object({
  E: PopulationSchema,
  I: PopulationSchema,
  K: CouplingsSchema,
  distribution: z.enum(["lorentzian", "gaussian"]),
  /** quantile: ω_j at the (j+½)/N quantiles (deterministic, low finite-N noise); random: seeded draws */
  sampling: z.enum(["quantile", "random"]),
  /** noise intensity D, rad²/s (Euler–Maruyama increment √(2D·dt)·N(0,1)) */
  noise: z.number().min(0),
});

export const RunSchema = z
  .object({
    model: ModelSchema,
    method: z.enum(["euler", "rk4"]),
    /** step, s */
    dt: z.number().positive(),
    /** simulated time, s */
    duration: z.number().positive(),
    /** recording interval, s (rounded to a whole number of steps) */
    recordEvery: z.number().positive(),
    seed: z.number().int(),
    /** initial phases: wrapped Cauchy with mean resultant r0 (1 = all at 0, 0 = uniform); exactly on the OA manifold */
    initR0: z.number().min(0).max(1),
    /** threads for one run (1 = in-process) */
    threads: z.number().int().min(1).max(64),
    modulation: GainScheduleSchema.optional(),
  })
  .refine((r) => r.method === "euler" || r.model.noise === 0, {
    message: "noise D > 0 needs method euler (Euler–Maruyama); RK4 is deterministic only",
    path: ["method"],
  })
  .refine((r) => r.model.E.n + r.model.I.n > 0, { message: "need at least one oscillator", path: ["model"] });

export type Population = z.infer<typeof PopulationSchema>;
export type Couplings = z.infer<typeof CouplingsSchema>;
export type Model = z.infer<typeof ModelSchema>;
export type Run = z.infer<typeof RunSchema>;
export type Pop = "E" | "I";
export const POPS: readonly Pop[] = ["E", "I"];
/** s_b: excitatory input attracts, inhibitory input repels. */
export const SIGN: Record<Pop, number> = { E: 1, I: -1 };

/** Natural frequencies ω (rad/s) of one population into out. */
export function fillFrequencies(
  pop: Population,
  distribution: Model["distribution"],
  sampling: Model["sampling"],
  rng: RandomGenerator,
  out: Float64Array,
): void {
  const { n, center, width } = pop;
  if (distribution === "gaussian" && sampling === "random") {
    fillNormal(rng, out, n);
    for (let j = 0; j < n; j++) out[j] = center + width * (out[j] as number);
    return;
  }
  for (let j = 0; j < n; j++) {
    const u = sampling === "quantile" ? (j + 0.5) / n : uniformFloat64(rng);
    // Lorentzian inverse CDF: centre + Δ·tan(π(u − ½)); Gaussian: centre + σ·Φ⁻¹(u)
    out[j] =
      center + width * (distribution === "lorentzian" ? Math.tan(Math.PI * (u - 0.5)) : quantileNormal(u));
  }
}

/** Initial phases (rad) from the wrapped Cauchy distribution with mean resultant r0, centred on 0. */
export function fillInitialPhases(r0: number, rng: RandomGenerator, out: Float64Array, n: number): void {
  const a = (1 - r0) / (1 + r0);
  for (let j = 0; j < n; j++) out[j] = 2 * Math.atan(a * Math.tan(Math.PI * (uniformFloat64(rng) - 0.5)));
}

/** h_a = Σ_b s_b·g_ab(t)·K_ab·Z_b for a = E, I (rad/s). */
export function inputFields(
  K: Couplings,
  g: { EI: number; II: number },
  z: readonly [number, number, number, number],
): [number, number, number, number] {
  const [er, ei, ir, ii] = z;
  const eEI = SIGN.I * g.EI * K.EI;
  const eII = SIGN.I * g.II * K.II;
  return [
    SIGN.E * K.EE * er + eEI * ir,
    SIGN.E * K.EE * ei + eEI * ii,
    SIGN.E * K.IE * er + eII * ir,
    SIGN.E * K.IE * ei + eII * ii,
  ];
}

/**
 * Documented coupling sets (rad/s) for N_E : N_I = 4 : 1, Lorentzian Δ_E = Δ_I = 1 rad/s, common centre.
 * Each is labelled so by the classifier and the OA prediction (tests/kuramoto-states.test.ts).
 * sync: strong recurrent excitation, weak inhibition; async: recurrent excitation below the single-population
 * threshold 2Δ; bistable: incoherence loses stability through complex eigenvalues (an inhibitory feedback
 * loop) and R alternates between near-zero and partial synchrony; crossing: the base of the modulation
 * example, g·(K_EI, K_II) with g = 1 ± 0.8 passes through all three states.
 */
export const PRESETS = {
  sync: { EE: 8, EI: 2, IE: 8, II: 0.8 },
  async: { EE: 3, EI: 5, IE: 8, II: 2 },
  bistable: { EE: 8, EI: 5, IE: 8, II: 2 },
  crossing: { EE: 8, EI: 6.5, IE: 8, II: 2.6 },
} as const satisfies Record<string, Couplings>;
export type PresetName = keyof typeof PRESETS;
