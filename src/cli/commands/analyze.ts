// `hokr analyze TRACE`: per-cycle and per-block gain of a recorded eye trace (CSV/TSV), computed by the same
// RxJS operators as a live session (src/app/trace-analysis.ts).
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_ANALYSIS } from "../../analysis/settings.ts";
import { analyzeTrace } from "../../app/trace-analysis.ts";
import {
  MS_PER_UNIT,
  medianIntervalMs,
  readTrace,
  TraceColumns,
  type TraceTimeUnit,
  unitFromName,
  unitFromSpacing,
} from "../../recording/trace-file.ts";
import { guarded, numberOption, UsageError } from "../errors.ts";
import { fixed, table } from "../format.ts";

interface AnalyzeOptions {
  stimFreq: number;
  stimAmp?: number;
  stimStart: number;
  columns?: Record<string, string>;
  timeUnit?: TraceTimeUnit;
  cyclesPerBlock: number;
  json?: boolean;
}

const number = (unit: string, check: (v: number) => boolean, rule: string) =>
  numberOption(`${rule} (${unit})`, check);

const ROLES = "t (time), x (eye position, deg), stim (stimulus position, deg)";

/**
 * A `--columns ROLE=NAME,…` parser for a column schema (`t=time,x=eye` → { t: "time", x: "eye" }); `roles`
 * lists the roles in errors. Used by `hokr analyze` (eye traces) and `hokr fit` (gain tables).
 */
export const roleMapping =
  <T>(schema: { shape: object; parse: (v: unknown) => T }, roles: string) =>
  (value: string): T => {
    const pairs = value
      .split(",")
      .filter((p) => p.trim() !== "")
      .map((p) => {
        const eq = p.indexOf("=");
        if (eq < 1 || p.slice(eq + 1).trim() === "")
          throw new InvalidArgumentError(`expected ROLE=NAME[,ROLE=NAME…] with roles ${roles}; got "${p}"`);
        return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()] as const;
      });
    const unknown = pairs.filter(([role]) => !Object.hasOwn(schema.shape, role)).map(([role]) => role);
    if (unknown.length > 0)
      throw new InvalidArgumentError(
        `unknown role ${unknown.map((r) => `'${r}'`).join(", ")}; roles are ${roles}`,
      );
    return schema.parse(Object.fromEntries(pairs));
  };

/** `--columns` of an eye trace: roles t, x, stim. */
export const columnMapping = roleMapping(TraceColumns, ROLES);

export function registerAnalyze(program: Command): void {
  program
    .command("analyze")
    .description("gain per stimulus cycle and per block of an eye trace (CSV or TSV with a header row)")
    .argument(
      "<trace>",
      "CSV/TSV file: a time column and an eye-position column (degrees), optionally stimulus",
    )
    .requiredOption(
      "--stim-freq <Hz>",
      "stimulus frequency, Hz",
      number("Hz", (v) => Number.isFinite(v) && v > 0, "a number > 0"),
    )
    .option(
      "--stim-amp <deg>",
      "stimulus amplitude (peak, half of peak-to-peak), degrees; optional with a stimulus column",
      number("degrees", (v) => Number.isFinite(v) && v > 0, "a number > 0"),
    )
    .option(
      "--stim-start <s>",
      "trace time at which the stimulus starts its first cycle (phase 0, moving rightward), s",
      number("s", Number.isFinite, "a number"),
      0,
    )
    .option(
      "--columns <map>",
      "column names, ROLE=NAME pairs: t (time), x (eye position, deg), stim (stimulus position, deg); default t=t,x=x",
      columnMapping,
    )
    .addOption(
      new Option(
        "--time-unit <unit>",
        "unit of the time column (default: from its name's suffix _s/_ms/_us, else from the sample spacing)",
      ).choices(["s", "ms", "us"]),
    )
    .option(
      "--cycles-per-block <n>",
      "stimulus cycles per block (count)",
      number("count", (v) => Number.isSafeInteger(v) && v > 0, "a whole number > 0"),
      10,
    )
    .option("--json", "print one JSON object: { file, samples, rate_hz, stimulus, cycles, blocks, warnings }")
    .action(guarded((file: string, opts: AnalyzeOptions) => analyze(file, opts)));
}

/**
 * The trace with its time unit from --time-unit, else the time column's name (t_ms), else the sample spacing
 * (read in the file's own numbers first, then scaled); a unit none of them settles is a usage error.
 */
function readTraceInferringUnit(file: string, columns: TraceColumns, given: TraceTimeUnit | undefined) {
  const named = unitFromName(columns.t);
  const fromName = named === "s" || named === "ms" || named === "us" ? named : undefined;
  const unit = given ?? fromName;
  if (unit) return readTrace(file, { columns, timeUnit: unit });
  const raw = readTrace(file, { columns, timeUnit: "ms" }); // scale 1: the file's own numbers
  const spacing = medianIntervalMs(raw);
  const inferred = unitFromSpacing(spacing);
  if (!inferred)
    throw new UsageError(
      `${file}: cannot tell the unit of time column "${columns.t}" (median spacing ${spacing}); pass --time-unit s, ms or us`,
    );
  const scale = MS_PER_UNIT[inferred];
  return { ...raw, format: { ...raw.format, timeUnit: inferred }, tMs: raw.tMs.map((t) => t * scale) };
}

function analyze(file: string, opts: AnalyzeOptions): void {
  const columns = TraceColumns.parse(opts.columns ?? {});
  if (opts.stimAmp === undefined && columns.stim === undefined)
    throw new UsageError(
      "--stim-amp is needed (stimulus amplitude, degrees) unless the trace has a stimulus column (--columns stim=NAME)",
    );
  const trace = readTraceInferringUnit(file, columns, opts.timeUnit);
  // Without --stim-amp the stimulus column's half range stands in where a cycle has too few stimulus samples.
  const amplitudeDeg = opts.stimAmp ?? halfRange(trace.stimDeg ?? new Float64Array());
  if (!(amplitudeDeg > 0))
    throw new UsageError(
      `${file}: the stimulus column ${columns.stim} never moves; give --stim-amp (degrees)`,
    );
  const stimulus = {
    frequencyHz: opts.stimFreq,
    amplitudeDeg,
    startS: opts.stimStart,
    cyclesPerBlock: opts.cyclesPerBlock,
  };
  const result = analyzeTrace(trace, stimulus, DEFAULT_ANALYSIS);
  const warnings: string[] = [];
  const firstS = (trace.tMs[0] as number) / 1000;
  const emptyCycles = result.cycles.filter((c) => c.usedFraction === 0 && c.endMs / 1000 <= firstS).length;
  if (emptyCycles > 0)
    warnings.push(
      `the trace starts at t = ${firstS} s, ${emptyCycles} cycle(s) after the stimulus start (--stim-start ` +
        `${opts.stimStart} s): those cycles have no samples`,
    );
  if (result.cycles.length === 0)
    warnings.push("no whole stimulus cycle between --stim-start and the end of the trace");
  const cycles = result.cycles.map((c) => ({
    cycle: c.index,
    t_start_s: c.startMs / 1000,
    t_end_s: c.endMs / 1000,
    gain: c.gain,
    phase_lag_deg: c.phaseLagDeg,
    r2: c.r2,
    used_fraction: c.usedFraction,
    good: c.good,
  }));
  const source = columns.stim === undefined ? "parameters" : `column ${columns.stim}`;
  if (opts.json) {
    // JSON has no NaN: a gain that could not be computed becomes null.
    console.log(
      JSON.stringify({
        file,
        samples: trace.tMs.length,
        rate_hz: result.rateHz,
        stimulus: {
          frequency_hz: stimulus.frequencyHz,
          amplitude_deg: amplitudeDeg,
          start_s: stimulus.startS,
          source,
        },
        cycles,
        blocks: result.blocks,
        warnings,
      }),
    );
    return;
  }
  const lines = [
    `${file}: ${trace.tMs.length} samples at ${result.rateHz.toPrecision(4)} Hz; stimulus ${stimulus.frequencyHz} Hz, ` +
      `${fixed(amplitudeDeg, 2)}° from t = ${stimulus.startS} s (${source})`,
    "",
    table([
      ["cycle", "t_start_s", "gain", "lag_deg", "r2", "used", "good"],
      ...cycles.map((c) => [
        String(c.cycle),
        c.t_start_s.toFixed(2),
        fixed(c.gain),
        fixed(c.phase_lag_deg, 1),
        fixed(c.r2),
        `${Math.round(c.used_fraction * 100)}%`,
        c.good ? "yes" : "no",
      ]),
    ]),
    "",
  ];
  lines.push(
    result.blocks.length === 0
      ? `no block: fewer than ${opts.cyclesPerBlock} cycles (--cycles-per-block)`
      : table([
          ["block", "t_s", "gain", "lag_deg", "r2", "cycles", "quality"],
          ...result.blocks.map((b) => [
            String(b.block),
            b.t_s.toFixed(1),
            fixed(b.gain),
            fixed(b.phase_lag_deg, 1),
            fixed(b.r2),
            `${b.cycles_used}/${b.cycles_total}`,
            b.quality,
          ]),
        ]),
  );
  for (const w of warnings) lines.push(`warning: ${w}`);
  console.log(lines.join("\n"));
}

function halfRange(xs: Float64Array): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of xs)
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  return hi > lo ? (hi - lo) / 2 : Number.NaN;
}
