// `hokr kuramoto modulate`: periodic or light-driven modulation of inhibition (g(t) multiplies K_EI and/or K_II).
import type { Command } from "commander";
import { classifyWindows } from "../../../models/kuramoto/classify.ts";
import { GainScheduleSchema } from "../../../models/kuramoto/modulation.ts";
import { renderSvg, timeSeriesSpec } from "../../../models/kuramoto/plots.ts";
import { simulate } from "../../../models/kuramoto/simulate.ts";
import { guarded, UsageError } from "../../errors.ts";
import { table } from "../../format.ts";
import {
  addClassifyOptions,
  addModelOptions,
  addOutputOptions,
  addRunOptions,
  buildRun,
  type ClassifyOpts,
  classifyOptions,
  describeRun,
  intervals,
  num,
  type OutputOpts,
  protocolLightIntervals,
  type RunOpts,
  recordingJson,
  recordingTsv,
  segments,
  validated,
  write,
} from "./options.ts";

export function registerModulate(k: Command): void {
  const mod = k
    .command("modulate")
    .description("periodic (or light-driven) modulation of inhibition: g(t) multiplies K_EI and/or K_II");
  addModelOptions(mod, "crossing");
  addRunOptions(mod, { duration: 400, initR: 0 });
  addClassifyOptions(mod, 0)
    .option(
      "--depth <m>",
      "modulation depth m: g(t) = 1 + m·sin(2πft + phase) (0–1, dimensionless)",
      num,
      0.8,
    )
    .option("--freq <Hz>", "modulation frequency f (Hz)", num, 0.005)
    .option("--phase <rad>", "modulation phase at t = 0 (rad)", num, 0)
    .option("--targets <list>", "couplings multiplied by g: EI, II or EI,II", (v) => v.split(","), [
      "EI",
      "II",
    ])
    .option(
      "--light <on-off,…>",
      "instead of the sine: light-on intervals (s), e.g. 50-100,200-250",
      intervals,
    )
    .option("--light-gain <g>", "gain while the light is on (dimensionless)", num, 2)
    .option(
      "--protocol <file>",
      "instead of --light: the light-on intervals of a protocol's light schedules (s)",
    )
    .option("--channel <name>", "with --protocol: only this light channel's schedules (e.g. blue)")
    .option("--window <s>", "window for the state timeline (s)", num, 20);
  addOutputOptions(mod, "write the recording with g(t) (TSV)");
  mod.action(
    guarded(
      async (
        o: RunOpts &
          ClassifyOpts &
          OutputOpts & {
            depth: number;
            freq: number;
            phase: number;
            targets: string[];
            light?: { on: number; off: number }[];
            lightGain: number;
            protocol?: string;
            channel?: string;
            window: number;
          },
      ) => {
        if (o.protocol) o.light = protocolLightIntervals(o.protocol, o.channel);
        const targets = validated(
          GainScheduleSchema.options[0].shape.targets,
          o.targets,
          "modulation.targets.",
        );
        const modulation = o.light
          ? validated(
              GainScheduleSchema,
              { kind: "intervals", intervals: o.light, gain: o.lightGain, targets },
              "modulation.",
            )
          : validated(
              GainScheduleSchema,
              { kind: "sine", depth: o.depth, frequency: o.freq, phase: o.phase, targets },
              "modulation.",
            );
        const run = buildRun(o, modulation);
        if (!(o.window > 0)) throw new UsageError("kuramoto modulate: --window: must be > 0 s");
        const copts = classifyOptions(o);
        const { recording: rec } = await simulate(run);
        const windows = classifyWindows(rec.t, rec.R, o.window, copts);
        if (windows.length === 0)
          throw new UsageError("kuramoto modulate: --window: longer than the run after --transient");
        const visited = [...new Set(windows.map((w) => w.state))];
        if (o.out) write(o.out, recordingTsv(rec));
        if (o.plot) {
          write(
            o.plot,
            await renderSvg(
              timeSeriesSpec(
                rec,
                `EI-Kuramoto, inhibition ×g(t) on ${targets.join(", ")}: ${visited.join(" → ")}`,
                true,
              ),
            ),
          );
        }
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "modulate", run, windows, visited, recording: recordingJson(rec) })}\n`,
          );
          return;
        }
        process.stdout.write(
          [
            describeRun(run),
            modulation.kind === "sine"
              ? `g(t) = 1 + ${o.depth}·sin(2π·${o.freq} Hz·t + ${o.phase}) on K_${targets.join(", K_")}`
              : `g = ${o.lightGain} during light (${modulation.intervals.map((iv) => `${iv.on}–${iv.off} s`).join(", ")}) on K_${targets.join(", K_")}`,
            table([
              ["from (s)", "to (s)", "state"],
              ...segments(windows).map((s) => [s.start.toFixed(0), s.end.toFixed(0), s.state]),
            ]),
            `states visited: ${visited.join(", ")}`,
            "",
          ].join("\n"),
        );
      },
    ),
  );
}
