// `hokr kuramoto simulate`: simulate one network and classify its state (sync, async or bistable).
import type { Command } from "commander";
import { classify } from "../../../models/kuramoto/classify.ts";
import { renderSvg, timeSeriesSpec } from "../../../models/kuramoto/plots.ts";
import { simulate } from "../../../models/kuramoto/simulate.ts";
import { guarded } from "../../errors.ts";
import { fixed } from "../../format.ts";
import {
  addClassifyOptions,
  addModelOptions,
  addOutputOptions,
  addRunOptions,
  buildRun,
  type ClassifyOpts,
  classificationLines,
  classifyOptions,
  describeRun,
  type OutputOpts,
  type RunOpts,
  recordingJson,
  recordingTsv,
  write,
} from "./options.ts";

export function registerSimulate(k: Command): void {
  const sim = k.command("simulate").description("simulate one network and classify its state");
  addOutputOptions(
    addClassifyOptions(addRunOptions(addModelOptions(sim, "bistable"), { duration: 100, initR: 0 }), 30),
    "write the recording R_E, ψ_E, R_I, ψ_I, R, ψ, g (TSV)",
  );
  sim.action(
    guarded(async (o: RunOpts & ClassifyOpts & OutputOpts) => {
      const run = buildRun(o);
      const copts = classifyOptions(o);
      const result = await simulate(run);
      const rec = result.recording;
      const c = classify(rec.t, rec.R, copts);
      if (o.out) write(o.out, recordingTsv(rec));
      if (o.plot) write(o.plot, await renderSvg(timeSeriesSpec(rec, `EI-Kuramoto: ${c.state}`, false)));
      const n = run.model.E.n + run.model.I.n;
      const rate = (n * result.steps * (run.method === "rk4" ? 4 : 1)) / result.seconds;
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ command: "simulate", run, classification: c, steps: result.steps, seconds: result.seconds, recording: recordingJson(rec) })}\n`,
        );
        return;
      }
      process.stdout.write(
        [
          describeRun(run),
          `${run.method}, dt ${run.dt} s, ${result.steps} steps in ${result.seconds.toFixed(2)} s (${(rate / 1e6).toFixed(1)} M oscillator-evaluations/s, ${run.threads} thread(s), ${result.kernel} kernel)`,
          `final R_E ${fixed(rec.RE.at(-1) as number)}, R_I ${fixed(rec.RI.at(-1) as number)}, R ${fixed(rec.R.at(-1) as number)}`,
          ...classificationLines(c),
          "",
        ].join("\n"),
      );
    }),
  );
}
