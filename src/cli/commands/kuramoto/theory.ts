// `hokr kuramoto theory`: the Ott–Antonsen analysis of a model (Lorentzian frequencies, N → ∞, no noise).
import type { Command } from "commander";
import {
  coherentFixedPoints,
  incoherenceEigenvalues,
  oaParams,
  oaPredict,
  oaTrajectory,
  singlePopulationR,
  type Z,
} from "../../../models/kuramoto/oa.ts";
import { renderSvg, timeSeriesSpec } from "../../../models/kuramoto/plots.ts";
import { guarded, UsageError } from "../../errors.ts";
import { fixed, table } from "../../format.ts";
import {
  addModelOptions,
  addOutputOptions,
  addThresholdOptions,
  buildRun,
  type ClassifyOpts,
  classifyOptions,
  describeRun,
  type ModelOpts,
  num,
  type OutputOpts,
  recordingJson,
  recordingTsv,
  write,
} from "./options.ts";

export function registerTheory(k: Command): void {
  const th = k
    .command("theory")
    .description("Ott–Antonsen analysis (Lorentzian frequencies, N → ∞, no noise)");
  addModelOptions(th, "bistable")
    .option("--duration <s>", "time of the OA trajectory (s)", num, 60)
    .option("--dt <s>", "RK4 step of the OA trajectory (s)", num, 0.005)
    .option("--record-every <s>", "recording interval of the OA trajectory (s)", num, 0.1)
    .option("--init-r <R>", "R_E = R_I at t = 0, in phase (dimensionless)", num, 0.9);
  addOutputOptions(addThresholdOptions(th), "write the OA trajectory (TSV)");
  th.action(
    guarded(
      async (
        o: ModelOpts &
          OutputOpts &
          ClassifyOpts & { duration: number; dt: number; recordEvery: number; initR: number },
      ) => {
        const run = buildRun({ ...o, method: "rk4", seed: 1, threads: 1 });
        if (run.model.distribution !== "lorentzian") {
          throw new UsageError("kuramoto theory: the OA reduction needs --dist lorentzian");
        }
        if (!(o.initR >= 0 && o.initR <= 1))
          throw new UsageError("kuramoto theory: --init-r: must be in [0, 1]");
        const p = oaParams(run.model);
        const eig = incoherenceEigenvalues(p);
        const fps = coherentFixedPoints(p);
        const prediction = oaPredict(p, classifyOptions({ ...o, transient: 0 }));
        const rec = oaTrajectory(p, [o.initR, 0, o.initR, 0] as Z, run.duration, run.dt, run.recordEvery);
        const K = run.model.K;
        const single = run.model.I.n === 0 ? singlePopulationR(K.EE, run.model.E.width) : undefined;
        if (o.out) write(o.out, recordingTsv(rec));
        if (o.plot)
          write(o.plot, await renderSvg(timeSeriesSpec(rec, `OA prediction: ${prediction.state}`, false)));
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "theory", model: run.model, incoherence: { eigenvalues: eig, stable: (eig[0]?.re ?? 0) < 0 }, fixedPoints: fps, prediction, singlePopulationR: single, trajectory: recordingJson(rec) })}\n`,
          );
          return;
        }
        const lines = [
          describeRun(run),
          `incoherence: eigenvalues ${eig.map((e) => `${fixed(e.re)}${e.im >= 0 ? "+" : "−"}${fixed(Math.abs(e.im))}i`).join(", ")} 1/s → ${(eig[0]?.re ?? 0) < 0 ? "stable" : "unstable"}`,
        ];
        if (single !== undefined) lines.push(`single population: R∞ = √(1 − 2Δ/K) = ${fixed(single, 6)}`);
        lines.push(
          fps.length === 0
            ? "no coherent fixed point"
            : table([
                ["R", "R_E", "R_I", "ψ_I−ψ_E (rad)", "Ω (rad/s)", "stable", "largest Re λ (1/s)"],
                ...fps.map((f) => [
                  fixed(f.R, 6),
                  fixed(f.RE, 6),
                  fixed(f.RI, 6),
                  fixed(f.phaseLag),
                  fixed(f.frequency),
                  f.stable ? "yes" : "no",
                  fixed(f.eigenvalues[0]?.re ?? Number.NaN),
                ]),
              ]),
          `prediction: ${prediction.state} (${prediction.attractors.map((a) => `from ${a.from}: R ${fixed(a.Rmin)}–${fixed(a.Rmax)}`).join("; ")})`,
          "",
        );
        process.stdout.write(lines.join("\n"));
      },
    ),
  );
}
