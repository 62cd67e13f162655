// `hokr simulate --group G[,G…] --n N`: virtual cohorts through the study's protocols, the statistics a
// paper would report, the study's figure, and a power analysis by simulation.
import { fileURLToPath } from "node:url";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { AnimalFailed } from "../../cohort/animal.ts";
import { CohortError, type CohortOutput, simulateCohort, writeWhole } from "../../cohort/cohort.ts";
import { GroupName } from "../../cohort/groups.ts";
import { CohortAborted } from "../../cohort/pool.ts";
import { PowerEffect } from "../../cohort/power.ts";
import { MEASURES, type Measure } from "../../cohort/report.ts";
import type { Describe } from "../../cohort/stats.ts";
import { defaultWorkers } from "../../core/ts-worker.ts";
import { guarded, numberOption, UsageError } from "../errors.ts";
import { signed, table } from "../format.ts";

interface SimulateCliOptions {
  group: string;
  n: number;
  seed: number;
  protocolDir: string;
  json?: boolean;
  out?: string;
  plot?: string;
  throughSerial?: boolean;
  power?: string;
  powerPool: number;
  workers: number;
  recovery: number;
}

const DEFAULT_PROTOCOLS = fileURLToPath(new URL("../../../protocols", import.meta.url));
const MEASURE_LABEL: Record<Measure, string> = {
  online: "online learning",
  offline: "offline learning",
  finalGain: "final gain (test)",
};

const count = (_name: string, min: number) =>
  numberOption(`a whole number ≥ ${min}`, (v) => Number.isSafeInteger(v) && v >= min);

function parseGroups(list: string): GroupName[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0)
    throw new UsageError(`--group: name at least one of ${GroupName.options.join(", ")}`);
  const groups = names.map((name) => {
    const parsed = GroupName.safeParse(name);
    if (!parsed.success)
      throw new UsageError(`--group ${name}: unknown group; use any of ${GroupName.options.join(", ")}`);
    return parsed.data;
  });
  const twice = groups.find((g, i) => groups.indexOf(g) !== i);
  if (twice) throw new UsageError(`--group: ${twice} is named twice`);
  return groups;
}

function progressBar(): { update: (done: number, total: number, group: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar({
    stream: process.stderr,
    format: " animals |{bar}| {value}/{total} | {eta_formatted} left | last: {group}",
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total, group) {
      if (!started) bar.start(total, done, { group });
      else bar.update(done, { group });
      started = true;
    },
    stop: () => bar.stop(),
  };
}

const num = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
const pValue = (p: number) => (!Number.isFinite(p) ? "n/a" : p < 0.001 ? "<0.001" : p.toFixed(3));
const stat = (d: Describe) => `${signed(d.mean)} ± ${num(d.sd)} [${signed(d.ci95[0])}, ${signed(d.ci95[1])}]`;

export function formatCohort(out: CohortOutput): string {
  const lines: string[] = [
    `${out.groups.length} group(s) × ${out.n} virtual animals, seed ${out.seed}, ${out.throughSerial ? "through the serial drivers" : "in-process devices"}`,
    "",
    "mean ± SD [95% CI, t], gain units",
    table([
      ["group", "n", ...MEASURES.map((m) => MEASURE_LABEL[m])],
      ...out.groups.map((g) => [g.group, String(g.n), ...MEASURES.map((m) => stat(g.measures[m]))]),
    ]),
  ];
  const tested = out.groups.filter((g) => g.vsControl);
  if (tested.length > 0)
    lines.push(
      "",
      `vs control: difference [95% CI] and p (${out.test})`,
      table([
        ["group", ...MEASURES.map((m) => MEASURE_LABEL[m])],
        ...tested.map((g) => [
          g.group,
          ...MEASURES.map((m) => {
            const w = g.vsControl?.[m];
            return w
              ? `${signed(w.difference)} [${signed(w.ci95[0])}, ${signed(w.ci95[1])}] p ${pValue(w.p)}`
              : "";
          }),
        ]),
      ]),
    );
  lines.push(
    "",
    "learning-curve models, cohort fits per group (time constants shared within a group, amplitudes per animal):",
    ...out.models.fits.map(
      (f) =>
        `  ${f.name.padEnd(9)} AICc ${num(f.aicc, 1).padStart(9)}  ΔAICc ${num(f.deltaAicc, 1).padStart(7)}  weight ${num(f.weight, 3)}  (n ${f.n}, k ${f.k}${f.converged ? "" : ", not converged"})`,
    ),
    `  best: ${out.models.best}`,
    "",
    "the study's claims (effect [95% CI], p; ✓ = the data agree at α = 0.05):",
    ...out.claims.map(
      (c) =>
        `  ${c.supported ? "✓" : "✗"} ${c.claim}\n      ${c.effect.name}: ${num(c.effect.value)} [${num(c.effect.ci95[0])}, ${num(c.effect.ci95[1])}], p ${pValue(c.p)}\n      test: ${c.test}`,
    ),
  );
  const p = out.power;
  if (p)
    lines.push(
      "",
      `power to detect a difference in ${MEASURE_LABEL[p.measure]} of ${signed(p.difference)} from control (${p.test}, α = ${p.alpha}):`,
      `  spread from ${p.pool.animals} simulated control animals (SD ${num(p.pool.sd)}), ${p.resamples} cohort pairs per n, seed ${p.seed}`,
      `  ${p.curve.map((c) => `n=${c.n}: ${c.power.toFixed(2)}`).join("  ")}`,
      p.n === null
        ? `  power ${p.target} not reached by n = ${p.curve.at(-1)?.n}`
        : `  ${p.n} animals per group give power ≥ ${p.target}`,
    );
  return lines.join("\n");
}

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description(
      "simulate cohorts of virtual mice through the study's protocols: group statistics, tests vs control, figure, power",
    )
    .requiredOption("--group <groups>", `comma-separated groups: ${GroupName.options.join(", ")}`)
    .requiredOption("--n <count>", "animals per group (count)", count("n", 1))
    .option("--seed <n>", "cohort seed (integer); each animal's seed derives from it", count("seed", 0), 1)
    .option(
      "--protocol-dir <dir>",
      "folder with the groups' protocol files (<protocol>.json)",
      DEFAULT_PROTOCOLS,
    )
    .option(
      "--json",
      "print one JSON object: per-group statistics, tests, correlation, model comparison, power",
    )
    .option("--out <dir>", "keep the cohort: a new folder with cohort.json and one session folder per animal")
    .option("--plot <file.svg>", "write the study's figure: mean gain per group with 95% CI bands")
    .option("--through-serial", "run every device through the real drivers and wire protocols (slower)")
    .option(
      "--power <measure:difference>",
      "animals per group needed to detect this difference from control (gain units): online:0.05, offline:0.05 or final:0.05",
    )
    .option(
      "--power-pool <count>",
      "simulated control animals the power analysis draws from (count)",
      count("power-pool", 2),
      40,
    )
    .option(
      "--recovery <count>",
      "model recovery for the claims' parallel vs serial test: simulated cohorts per hypothesis (count; 0 = off)",
      count("recovery", 0),
      0,
    )
    .option(
      "--workers <count>",
      "worker threads (count; default: one per CPU core)",
      count("workers", 1),
      defaultWorkers(),
    )
    .action(
      guarded(async (opts: SimulateCliOptions) => {
        const groups = parseGroups(opts.group);
        let power: PowerEffect | undefined;
        if (opts.power !== undefined) {
          const parsed = PowerEffect.safeParse(opts.power);
          if (!parsed.success)
            throw new UsageError(`--power ${opts.power}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
          power = parsed.data;
        }
        const controller = new AbortController();
        const onSignal = (sig: NodeJS.Signals) => controller.abort(sig);
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const bar = progressBar();
        try {
          const { output, rest } = await simulateCohort({
            groups,
            n: opts.n,
            seed: opts.seed,
            protocolDir: opts.protocolDir,
            ...(opts.out === undefined ? {} : { out: opts.out }),
            throughSerial: opts.throughSerial === true,
            workers: opts.workers,
            ...(power ? { power } : {}),
            powerPool: opts.powerPool,
            recovery: opts.recovery,
            signal: controller.signal,
            onDone: (done, total, r) => bar.update(done, total, `${r.group} #${r.index}`),
          });
          bar.stop();
          if (opts.plot) {
            // vega is large: load it only when a figure is asked for.
            const { plotCohort } = await import("../../cohort/plot.ts");
            writeWhole(opts.plot, await plotCohort(output.groups, rest));
          }
          if (opts.json) process.stdout.write(`${JSON.stringify(output)}\n`);
          else
            process.stdout.write(
              `${formatCohort(output)}\n${opts.plot ? `\nfigure: ${opts.plot}\n` : ""}${opts.out ? `cohort folder: ${opts.out}\n` : ""}`,
            );
        } catch (err) {
          bar.stop();
          if (err instanceof CohortAborted) {
            process.stderr.write(`hokr simulate: stopped (${err.message}); no results written\n`);
            process.exitCode = 130;
            return;
          }
          if (err instanceof CohortError || err instanceof AnimalFailed) throw new UsageError(err.message);
          throw err;
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      }),
    );
}
