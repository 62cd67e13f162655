// `hokr kuramoto sweep`: a phase diagram over two couplings, simulated in parallel, with the OA boundary.
import { SingleBar } from "cli-progress";
import { type Command, Option } from "commander";
import { defaultWorkers } from "../../../core/ts-worker.ts";
import { heatmapSpec, renderSvg } from "../../../models/kuramoto/plots.ts";
import { runSweep, SweepSchema, sweepTsv } from "../../../models/kuramoto/sweep.ts";
import { guarded } from "../../errors.ts";
import {
  addClassifyOptions,
  addModelOptions,
  addOutputOptions,
  addRunOptions,
  buildRun,
  type ClassifyOpts,
  classifyOptions,
  int,
  type OutputOpts,
  type RunOpts,
  range,
  validated,
  write,
} from "./options.ts";

export function registerSweep(k: Command): void {
  const sw = k
    .command("sweep")
    .description("phase diagram over two couplings, in parallel, with the OA boundary");
  addModelOptions(sw, "bistable");
  addRunOptions(sw, { duration: 100, initR: 0 });
  addClassifyOptions(sw, 30)
    .addOption(
      new Option("--x <coupling>", "coupling on the x axis").choices(["EE", "EI", "IE", "II"]).default("EE"),
    )
    .option("--x-range <from:to>", "x range (rad/s)", range, [0, 10])
    .option("--x-steps <n>", "x grid points", int, 11)
    .addOption(
      new Option("--y <coupling>", "coupling on the y axis").choices(["EE", "EI", "IE", "II"]).default("EI"),
    )
    .option("--y-range <from:to>", "y range (rad/s)", range, [0, 10])
    .option("--y-steps <n>", "y grid points", int, 11)
    .option("--workers <n>", "worker threads (default: all cores)", int, defaultWorkers());
  addOutputOptions(sw, "write the grid (TSV)");
  sw.action(
    guarded(
      async (
        o: RunOpts &
          ClassifyOpts &
          OutputOpts & {
            x: "EE" | "EI" | "IE" | "II";
            y: "EE" | "EI" | "IE" | "II";
            xRange: [number, number];
            yRange: [number, number];
            xSteps: number;
            ySteps: number;
            workers: number;
          },
      ) => {
        const spec = validated(SweepSchema, {
          run: buildRun(o),
          x: { coupling: o.x, from: o.xRange[0], to: o.xRange[1], steps: o.xSteps },
          y: { coupling: o.y, from: o.yRange[0], to: o.yRange[1], steps: o.ySteps },
          classify: classifyOptions(o),
          workers: o.workers,
        });
        const bar = new SingleBar({
          format: "sweep [{bar}] {value}/{total} cells, {duration}s elapsed, ETA {eta}s",
          stream: process.stderr,
        });
        bar.start(o.xSteps * o.ySteps, 0);
        const result = await runSweep(spec, (done) => bar.update(done)).finally(() => bar.stop());
        const tsv = sweepTsv(spec, result);
        if (o.out) write(o.out, tsv);
        if (o.plot) {
          const cells = result.cells.map((c) => ({
            x: c.x,
            y: c.y,
            state: c.classification.state,
            meanR: c.classification.meanR,
            oaState: c.oaState,
          }));
          const title = "EI-Kuramoto phase diagram";
          write(
            o.plot,
            await renderSvg(
              heatmapSpec(cells, `K_${o.x} (rad/s)`, `K_${o.y} (rad/s)`, result.boundary, title),
            ),
          );
        }
        const counts = Object.fromEntries(
          (["sync", "bistable", "async"] as const).map((s) => [
            s,
            result.cells.filter((c) => c.classification.state === s).length,
          ]),
        );
        if (o.json) {
          process.stdout.write(
            `${JSON.stringify({ command: "sweep", sweep: spec, counts, seconds: result.seconds, cells: result.cells, boundary: result.boundary })}\n`,
          );
          return;
        }
        if (!o.out) process.stdout.write(tsv);
        process.stderr.write(
          `${result.cells.length} cells in ${result.seconds.toFixed(1)} s on ${spec.workers} worker(s): ` +
            `${counts.sync} sync, ${counts.bistable} bistable, ${counts.async} async\n`,
        );
      },
    ),
  );
}
