// `hokr fit INPUT…`: fit learning-curve models to gain blocks, compare them, and test online/offline
// independence across animals.
import { writeFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { COHORT_MODELS, type CohortFit, type CohortModelName, fitCohort } from "../../fitting/cohort-fit.ts";
import { GAIN_ROLES, GainColumns, TIME_UNITS, type TimeUnit } from "../../fitting/gain-input.ts";
import {
  type Coefficient,
  HYPOTHESES,
  type HypothesisTest,
  testHypotheses,
} from "../../fitting/hypotheses.ts";
import {
  type IndependenceTest,
  independenceTest,
  learningSummary,
  onlineOfflineCorrelation,
} from "../../fitting/independence.ts";
import { FitInputError, type LoadedAnimal, loadAnimals } from "../../fitting/inputs.ts";
import {
  type Comparison,
  compareModels,
  FitError,
  fitModel,
  type ModelFit,
} from "../../fitting/model-fit.ts";
import { modelRecovery, RECOVERY_CLASSES, type Recovery } from "../../fitting/recovery.ts";
import { LEARNING_MODELS, MODEL_NAMES, type ModelName } from "../../models/learning/index.ts";
import { numberOption } from "../errors.ts";
import { roleMapping } from "./analyze.ts";

interface FitCliOptions {
  model: ModelName | "all";
  json?: boolean;
  plot?: string;
  trainingMin?: number;
  restMin?: number;
  columns?: GainColumns;
  timeUnit?: TimeUnit;
  shared?: string[];
  fix?: Record<string, number>;
  weights: "none" | "cycles";
  seed: number;
  resamples: number;
  recovery: number;
}

const positive = (what: string) => numberOption(`a number > 0 (${what})`, (v) => v > 0);
const integer = (what: string) =>
  numberOption(`a whole number ≥ 0 (${what})`, (v) => Number.isSafeInteger(v) && v >= 0);

const names = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

const assignments = (value: string): Record<string, number> =>
  Object.fromEntries(
    names(value).map((pair) => {
      const [name, raw] = pair.split("=");
      const v = Number(raw);
      if (!name || raw === undefined || !Number.isFinite(v))
        throw new InvalidArgumentError(`expected NAME=VALUE[,NAME=VALUE…], got "${pair}"`);
      return [name, v];
    }),
  );

/** Fits every requested model; with "all", models the data cannot support are skipped with a warning. */
function fitAll(animals: LoadedAnimal[], opts: FitCliOptions, warnings: string[]): Comparison {
  const chosen = opts.model === "all" ? MODEL_NAMES : [opts.model];
  const shared = opts.shared ?? [];
  const fix = opts.fix ?? {};
  const requested = [...shared, ...Object.keys(fix)];
  const unknown = requested.filter(
    (n) => !MODEL_NAMES.some((m) => LEARNING_MODELS[m].params.some((p) => p.name === n)),
  );
  if (unknown.length > 0)
    throw new FitError(`no model has parameter(s) ${unknown.join(", ")} (given in --shared/--fix)`);
  const fits: ModelFit[] = [];
  const failures: string[] = [];
  for (const name of chosen) {
    const model = LEARNING_MODELS[name];
    // With several models, each takes the --shared/--fix names it has; a single model must have them all.
    const own = (n: string) => chosen.length === 1 || model.params.some((p) => p.name === n);
    try {
      const fit = fitModel(model, animals, {
        shared: shared.filter(own),
        fixed: Object.fromEntries(Object.entries(fix).filter(([n]) => own(n))),
      });
      if (!fit.identifiable)
        warnings.push(
          `${name}: parameters not determined by these blocks (stderrs not meaningful); fix some with --fix NAME=VALUE`,
        );
      if (!fit.converged) warnings.push(`${name}: fit did not converge`);
      fits.push(fit);
    } catch (err) {
      if (!(err instanceof FitError) || chosen.length === 1) throw err;
      failures.push(err.message);
    }
  }
  if (fits.length === 0) throw new FitError(`no model could be fitted: ${failures.join("; ")}`);
  warnings.push(...failures);
  return compareModels(fits);
}

const parameterHelp = [
  "",
  "Model parameters (names end in their unit: _min = minutes, _per_min = 1/min; others are gain or fractions):",
  ...MODEL_NAMES.map(
    (m) =>
      `  ${m.padEnd(10)} ${LEARNING_MODELS[m].params.map((p) => `${p.name} [${p.lower}, ${p.upper}]`).join(", ")}`,
  ),
  "Every stimulus-on phase drives learning; the models' equations are in src/models/learning/.",
].join("\n");

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toPrecision(digits) : "n/a");

export function registerFit(program: Command): void {
  program
    .command("fit")
    .description(
      "fit learning-curve models (parallel, serial, two-state, transfer) to gain blocks and compare them",
    )
    .argument(
      "<input...>",
      "session folder(s) (gain.tsv + session.json) or gain tables (CSV/TSV: time and gain columns, one row per block); several animals = a cohort",
    )
    .addOption(new Option("--model <name>", "model to fit").choices([...MODEL_NAMES, "all"]).default("all"))
    .option("--json", "print one JSON object: { models, best, animals, correlation, warnings }")
    .option("--plot <file.svg>", "write an SVG of the observed blocks and each model's curve")
    .option(
      "--training-min <min>",
      "training length for a gain table without session.json, minutes (default: from its phase column)",
      positive("--training-min"),
    )
    .option(
      "--rest-min <min>",
      "rest after training for a gain table without session.json, minutes (default: from its phase column)",
      positive("--rest-min"),
    )
    .option(
      "--columns <map>",
      `gain-table column names, ROLE=NAME pairs; roles ${GAIN_ROLES.join(", ")}; default t=t_s,gain=gain`,
      roleMapping(GainColumns, GAIN_ROLES.join(", ")),
    )
    .addOption(
      new Option(
        "--time-unit <unit>",
        "unit of the gain table's time column (default: from its name's suffix, e.g. t_s, time_min)",
      ).choices(Object.keys(TIME_UNITS)),
    )
    .option(
      "--shared <names>",
      "parameters with one value across animals, comma-separated (e.g. tau_on_min)",
      names,
    )
    .option(
      "--fix <name=value,...>",
      "hold parameters at values, in the units of their names (e.g. tau_off_min=30)",
      assignments,
    )
    .addOption(
      new Option("--weights <kind>", "block weights: none, or cycles (SD ∝ 1/√cycles used)")
        .choices(["none", "cycles"])
        .default("none"),
    )
    .option(
      "--seed <n>",
      "seed of the bootstrap for the online/offline correlation (integer)",
      integer("--seed"),
      1,
    )
    .option("--resamples <n>", "bootstrap resamples (count)", integer("--resamples"), 999)
    .option(
      "--recovery <n>",
      "model recovery: simulate N cohorts from each fitted hypothesis with this design and noise, classify them " +
        "as the data were, print the confusion matrix (count; 0 = off)",
      integer("--recovery"),
      0,
    )
    .addHelpText("after", parameterHelp)
    .action(async (inputs: string[], opts: FitCliOptions) => {
      try {
        await runFit(inputs, opts);
      } catch (err) {
        if (!(err instanceof FitInputError || err instanceof FitError)) throw err;
        console.error(`hokr fit: ${err.message}`);
        process.exitCode = 1;
      }
    });
}

async function runFit(inputs: string[], opts: FitCliOptions): Promise<void> {
  const loaded = inputs.flatMap((input) => loadAnimals(input, opts));
  // Names label per-animal parameters, so they must differ.
  const animals = loaded.map((a, i) =>
    loaded.some((b, j) => j !== i && b.name === a.name) ? { ...a, name: `${a.name}#${i + 1}` } : a,
  );
  const warnings = animals.flatMap((a) => a.warnings.map((w) => `${a.source}: ${w}`));
  const comparison = fitAll(animals, opts, warnings);
  const summaries = animals.map(learningSummary);
  const cohort = animals.length >= 4 ? cohortAnalysis(animals, opts, warnings) : undefined;
  if (opts.plot) {
    // vega is large: load it only when a plot is asked for.
    const { plotFits } = await import("../../fitting/plot.ts");
    const svg = await plotFits(animals, comparison.fits, LEARNING_MODELS);
    try {
      writeFileSync(opts.plot, svg);
    } catch (err) {
      throw new FitInputError(`${opts.plot}: cannot write the plot (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  if (opts.json) {
    const out = {
      models: comparison.fits.map((f) => ({
        name: f.name,
        params: Object.fromEntries(
          Object.entries(f.params).map(([n, p]) => [
            n,
            { value: p.value, stderr: p.stderr, ci95: p.ci95, atBound: p.atBound },
          ]),
        ),
        sse: f.sse,
        n: f.n,
        k: f.k,
        aic: f.aic,
        aicc: f.aicc,
        bic: f.bic,
        weight: f.weight,
        converged: f.converged,
        identifiable: f.identifiable,
        residuals: Array.from(f.residuals),
      })),
      best: comparison.best,
      animals: animals.map((a, i) => ({
        name: a.name,
        source: a.source,
        blocks: a.blocks.length,
        excluded: a.excluded,
        online: summaries[i]?.online ?? null,
        offline: summaries[i]?.offline ?? null,
      })),
      hypotheses: cohort?.hypotheses ?? null,
      independence: cohort?.independence ?? null,
      recovery: cohort?.recovery ?? null,
      warnings,
    };
    // JSON has no NaN: a stderr that cannot be computed becomes null.
    console.log(JSON.stringify(out));
    return;
  }
  const lines: string[] = [];
  for (const a of animals) {
    lines.push(`${a.name}: ${a.blocks.length} blocks used (${a.source})`);
    for (const e of a.excluded)
      lines.push(`  excluded block ${e.block} (${e.phase}, t=${e.t_s} s): ${e.reason}`);
  }
  lines.push("", "model        AICc        ΔAICc   weight   SSE        n    k");
  const bestAicc = comparison.fits[0]?.aicc ?? 0;
  for (const f of comparison.fits)
    lines.push(
      `${f.name.padEnd(12)} ${fmt(f.aicc, 6).padStart(10)}  ${fmt(f.aicc - bestAicc, 3).padStart(7)}  ${fmt(f.weight, 3).padStart(6)}   ${fmt(f.sse).padEnd(9)}  ${String(f.n).padStart(3)}  ${String(f.k).padStart(3)}`,
    );
  lines.push("", `best: ${comparison.best}`);
  for (const f of comparison.fits) {
    lines.push("", `${f.name}:`);
    for (const [n, p] of Object.entries(f.params))
      lines.push(
        `  ${n.padEnd(24)} ${fmt(p.value).padStart(10)} ± ${fmt(p.stderr, 2).padEnd(8)} 95% CI [${fmt(p.ci95[0])}, ${fmt(p.ci95[1])}]${p.atBound ? "  (at bound)" : ""}`,
      );
  }
  if (animals.length > 1) {
    lines.push("", "online vs offline learning (model-free: gain change during training / over the rest):");
    for (const s of summaries)
      lines.push(`  ${s.animal.padEnd(20)} ${fmt(s.online ?? Number.NaN)}  ${fmt(s.offline ?? Number.NaN)}`);
    const c = onlineOfflineCorrelation(summaries, { seed: opts.seed, resamples: opts.resamples });
    if (c)
      lines.push(
        `  r = ${fmt(c.r, 3)}, bootstrap 95% CI [${fmt(c.ci95[0], 3)}, ${fmt(c.ci95[1], 3)}] (n = ${c.n}); biased ` +
          "negative: both measures contain the last training block — the independence test below is not",
      );
  }
  if (cohort) lines.push("", ...cohortLines(cohort));
  else if (animals.length > 1) lines.push("parallel vs serial and the independence test need ≥ 4 animals");
  for (const w of warnings) lines.push(`warning: ${w}`);
  if (opts.plot) lines.push(`plot: ${opts.plot}`);
  console.log(lines.join("\n"));
}

interface CohortAnalysis {
  hypotheses: Omit<HypothesisTest, "fit"> & { shared: Record<string, number>; blockSd: number };
  independence: IndependenceTest | null;
  recovery: Recovery | null;
}

/** Parallel vs serial across animals, the independence test and (if asked) model recovery. */
function cohortAnalysis(
  animals: LoadedAnimal[],
  opts: FitCliOptions,
  warnings: string[],
): CohortAnalysis | undefined {
  let fits: Record<CohortModelName, CohortFit>;
  try {
    fits = Object.fromEntries(COHORT_MODELS.map((m) => [m, fitCohort(m, animals)])) as Record<
      CohortModelName,
      CohortFit
    >;
  } catch (err) {
    if (!(err instanceof FitError)) throw err;
    warnings.push(`cohort fits: ${err.message}`);
    return undefined;
  }
  let test: HypothesisTest;
  try {
    test = testHypotheses(animals, { stage1: fits.parallel });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    warnings.push(err.message);
    return undefined;
  }
  const { fit, ...hypotheses } = test;
  const independence =
    independenceTest(animals, { stage1: fit, resamples: opts.resamples, seed: opts.seed }) ?? null;
  const recovery =
    opts.recovery > 0 ? modelRecovery(animals, { cohorts: opts.recovery, seed: opts.seed, fits }) : null;
  return { hypotheses: { ...hypotheses, shared: fit.shared, blockSd: fit.blockSd }, independence, recovery };
}

const ci = (c: Coefficient) =>
  `${fmt(c.value, 3)} (95% CI ${fmt(c.ci95[0], 3)} to ${fmt(c.ci95[1], 3)}, t-test p = ${fmt(c.p, 2)})`;

function cohortLines({ hypotheses: h, independence, recovery }: CohortAnalysis): string[] {
  const lines = [
    "parallel vs serial across animals (x = online learning at the end of training, y = gain at the end of the rest above",
    `baseline, both from each animal's fitted curve; shared ${Object.entries(h.shared)
      .map(([n, v]) => `${n} ${fmt(v, 3)}`)
      .join(", ")}; block SD ${fmt(h.blockSd, 2)}):`,
    "  relation             AICc     residual SD",
    ...HYPOTHESES.map(
      (name) =>
        `  ${name.padEnd(9)} ${(name === "parallel" ? "y = a_off" : name === "serial" ? "y = k·x" : "y = a_off + k·x").padEnd(16)} ${fmt(h.relations[name].aicc, 5).padStart(8)}  ${fmt(h.relations[name].residualSd, 3)}`,
    ),
    `  test of k = 0 (nested slope):       k = ${ci(h.tests.k)}`,
    `  test of a_off = 0 (nested intercept): a_off = ${ci(h.tests.a_off)}`,
    `  better of parallel and serial (AICc): ${h.winner}`,
  ];
  if (independence)
    lines.push(
      "",
      `independence of online and offline learning: r = ${fmt(independence.r, 3)} (n = ${independence.n}), ` +
        `p = ${fmt(independence.p, 2)} against a parametric-bootstrap null from the fitted parallel model ` +
        `(null 95%: ${fmt(independence.null95[0], 3)} to ${fmt(independence.null95[1], 3)}; ${independence.resamples} resamples, seed ${independence.seed})`,
    );
  if (recovery) {
    lines.push(
      "",
      `model recovery (${recovery.cohorts} simulated cohorts of ${recovery.animals} animals per hypothesis, this design, fitted noise):`,
      `  generated \\ won  ${RECOVERY_CLASSES.map((c) => c.padStart(9)).join(" ")}   hit rate`,
      ...RECOVERY_CLASSES.map(
        (g) =>
          `  ${g.padEnd(15)} ${RECOVERY_CLASSES.map((w) => String(recovery.confusion[g][w]).padStart(9)).join(" ")}   ${fmt(recovery.hitRate[g], 3)}`,
      ),
      `  parallel vs serial correct: ${fmt(recovery.parallelVsSerial, 3)}${recovery.parallelVsSerial < 0.9 ? " (below 0.9: this design cannot reliably tell them apart)" : ""}`,
    );
  }
  return lines;
}
