// `hokr kuramoto simulate|theory|sweep|modulate`: the EI-Kuramoto network model (src/models/kuramoto), one
// file per subcommand.
import type { Command } from "commander";
import { registerModulate } from "./modulate.ts";
import { registerSimulate } from "./simulate.ts";
import { registerSweep } from "./sweep.ts";
import { registerTheory } from "./theory.ts";

export function registerKuramoto(program: Command): void {
  const k = program
    .command("kuramoto")
    .description(
      "EI-Kuramoto network (Kuroki & Mizuseki 2025): excitatory and inhibitory phase oscillators; " +
        "simulate, classify (sync/async/bistable), OA theory, phase-diagram sweeps, modulated inhibition",
    );
  registerSimulate(k);
  registerTheory(k);
  registerSweep(k);
  registerModulate(k);
}
