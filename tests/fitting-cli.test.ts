// `hokr fit` end to end on session folders and bare gain.tsv files written here from simulated animals.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GainBlock } from "../src/analysis/gain-block.ts";
import { loadAnimals } from "../src/fitting/inputs.ts";
import type { AnimalData } from "../src/fitting/model-fit.ts";
import { STUDY_SCHEDULE_MIN, simulateAnimal } from "../src/fitting/synthetic.ts";
import { LEARNING_MODELS } from "../src/models/learning/index.ts";
import { formatGainRow, gainTableHeader } from "../src/recording/gain-table.ts";
import { runCliSync } from "./helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-fit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function hokrFit(...args: string[]) {
  const r = runCliSync(["fit", ...args]);
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
}

const PRETEST_S = 300;

/** Blocks of one simulated animal; `spoil` marks block indices as NaN gain or flagged. */
function blocksOf(animal: AnimalData, spoil: Record<number, "nan" | "flag"> = {}): GainBlock[] {
  return Array.from(animal.t, (t, i) => ({
    block: i,
    phase: t < 0 ? "pretest" : t < 15 * 60 ? "training" : "test",
    t_s: t,
    t_start_s: t - 30,
    t_end_s: t + 30,
    gain: spoil[i] === "nan" ? Number.NaN : (animal.gain[i] as number),
    phase_lag_deg: 5,
    r2: 0.95,
    cycles_used: spoil[i] === "nan" ? 0 : 10,
    cycles_total: 10,
    quality: spoil[i] === "flag" ? "few-good-cycles" : "ok",
  }));
}

/** A session folder: gain.tsv plus a session.json whose timeline has pretest, training, rest and test. */
function writeSession(name: string, animal: AnimalData, spoil: Record<number, "nan" | "flag"> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "gain.tsv"),
    gainTableHeader() + blocksOf(animal, spoil).map(formatGainRow).join(""),
  );
  const at = (min: number) => PRETEST_S + min * 60;
  const phases = [
    { name: "pretest", startS: 0, endS: at(0), stimulusOn: true },
    { name: "training", startS: at(0), endS: at(15), stimulusOn: true },
    { name: "rest", startS: at(15), endS: at(75), stimulusOn: false },
    { name: "test", startS: at(75), endS: at(85), stimulusOn: true },
  ];
  writeFileSync(
    join(dir, "session.json"),
    JSON.stringify({ format: "any", timeline: { durationS: at(85), trainingStartS: at(0), phases } }),
  );
  return dir;
}

const SCHEDULE: ReadonlyArray<readonly [number, number]> = [[-5, 0], ...STUDY_SCHEDULE_MIN];
const simulate = (seed: number, aOn: number, aOff: number) =>
  simulateAnimal(LEARNING_MODELS.parallel, [0.45, aOn, 5, 20, aOff, 30], SCHEDULE, 0.01, seed);

// null where the data do not determine a parameter (JSON has no NaN)
const Estimate = z.object({
  value: z.number(),
  stderr: z.number().nullable(),
  ci95: z.tuple([z.number().nullable(), z.number().nullable()]),
});
const Output = z.object({
  models: z.array(
    z.looseObject({
      name: z.string(),
      params: z.record(z.string(), Estimate.loose()),
      sse: z.number(),
      n: z.number(),
      aic: z.number(),
      aicc: z.number(),
      bic: z.number(),
      weight: z.number(),
    }),
  ),
  best: z.string(),
  animals: z.array(
    z.looseObject({ name: z.string(), excluded: z.array(z.looseObject({ reason: z.string() })) }),
  ),
  independence: z.looseObject({ r: z.number(), p: z.number(), n: z.number() }).nullable(),
  hypotheses: z
    .looseObject({
      winner: z.enum(["parallel", "serial"]),
      tests: z.looseObject({ k: z.looseObject({ p: z.number() }) }),
    })
    .nullable(),
  warnings: z.array(z.string()),
});

const lastBlock = simulate(1, 0.2, 0.1).t.length - 1;
const folder = writeSession("m1", simulate(1, 0.2, 0.1), { 3: "nan", [lastBlock]: "flag" });

describe("hokr fit", () => {
  it("fits all models to a session folder, ranks them, and reports excluded blocks", () => {
    const r = hokrFit(folder, "--json", "--fix", "tau_off_min=30,tau_recov_min=60");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const out = Output.parse(JSON.parse(r.stdout));
    expect(out.models.map((m) => m.name).sort()).toEqual([
      "nested",
      "parallel",
      "serial",
      "transfer",
      "two-state",
    ]);
    expect(out.best).toBe(out.models[0]?.name);
    expect(out.models.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 10);
    const blocks = simulate(1, 0.2, 0.1).t.length;
    for (const m of out.models) expect(m.n).toBe(blocks - 2);
    expect(out.animals[0]?.excluded.map((e) => e.reason)).toEqual(["gain is NaN", "quality few-good-cycles"]);
    expect(Object.keys(out.models.find((m) => m.name === "parallel")?.params ?? {})).not.toContain(
      "tau_off_min",
    );
  });

  it("gives the same fit for a bare gain.tsv with --training-min/--rest-min as for its session folder", () => {
    const args = ["--model", "serial", "--json"];
    const viaFolder = Output.parse(JSON.parse(hokrFit(folder, ...args).stdout));
    const viaFile = Output.parse(
      JSON.parse(
        hokrFit(join(folder, "gain.tsv"), ...args, "--training-min", "15", "--rest-min", "60").stdout,
      ),
    );
    expect(viaFile.models[0]?.sse).toBeCloseTo(viaFolder.models[0]?.sse ?? Number.NaN, 12);
    const other = Output.parse(
      JSON.parse(hokrFit(join(folder, "gain.tsv"), ...args, "--rest-min", "30").stdout),
    );
    expect(other.models[0]?.sse).not.toBeCloseTo(viaFolder.models[0]?.sse ?? Number.NaN, 6);
  });

  it("fits a cohort with shared parameters, correlates online and offline learning, and plots", () => {
    const dirs = [0.05, 0.1, 0.15, 0.2, 0.25].map((aOn, i) =>
      writeSession(`c${i}`, simulate(20 + i, aOn, 0.1)),
    );
    const svg = join(root, "cohort.svg");
    const r = hokrFit(
      ...dirs,
      "--model",
      "parallel",
      "--shared",
      "tau_on_min",
      "--fix",
      "tau_off_min=30,tau_decay_min=20",
      "--json",
      "--plot",
      svg,
    );
    expect(r.stderr).toBe("");
    const out = Output.parse(JSON.parse(r.stdout));
    const params = Object.keys(out.models[0]?.params ?? {});
    expect(params).toContain("tau_on_min");
    expect(params).toContain("a_on@c3");
    expect(out.warnings).toEqual([]);
    for (const p of Object.values(out.models[0]?.params ?? {})) expect(p.stderr).toBeGreaterThan(0);
    expect(out.independence?.n).toBe(5);
    expect(out.hypotheses?.winner).toBeDefined();
    const text = readFileSync(svg, "utf8");
    expect(text.startsWith("<svg")).toBe(true);
    expect(text).toContain("parallel");
    expect(text).toContain("c4");
  });

  it("fits anyone's gain tables: t_s, phase, gain only; and time_min,g with a column map", () => {
    // 12 animals, pretest 3 min, training 15 min, rest 60 min, test 10 min; times since training start.
    const animals = Array.from({ length: 12 }, (_, i) =>
      simulateAnimal(
        LEARNING_MODELS.nested,
        [0.45, 0.05 + 0.02 * i, 8, 12, 0.2, 0, 12],
        [[-3, 0], ...STUDY_SCHEDULE_MIN],
        0.005,
        60 + i,
        `m${i}`,
      ),
    );
    const phaseOf = (t: number) => (t < 0 ? "pretest" : t < 900 ? "training" : "test");
    const files = animals.map((a, i) => {
      const file = join(root, `lab-m${i}.tsv`);
      writeFileSync(
        file,
        `t_s\tphase\tgain\n${Array.from(a.t, (t, j) => `${t}\t${phaseOf(t)}\t${a.gain[j]}\n`).join("")}`,
      );
      return file;
    });
    const csv = join(root, "lab.csv");
    writeFileSync(
      csv,
      `id,time_min,g\n${animals.flatMap((a, i) => Array.from(a.t, (t, j) => `m${i},${t / 60},${a.gain[j]}\n`)).join("")}`,
    );
    const common = ["--model", "parallel", "--json", "--resamples", "19"];
    const viaPhases = hokrFit(...files, ...common);
    expect(viaPhases.stderr).toBe("");
    const a = Output.parse(JSON.parse(viaPhases.stdout));
    const viaMap = hokrFit(
      csv,
      ...common,
      "--columns",
      "t=time_min,gain=g,animal=id",
      "--training-min",
      "15",
      "--rest-min",
      "60",
    );
    expect(viaMap.stderr).toBe("");
    const b = Output.parse(JSON.parse(viaMap.stdout));
    expect(a.animals).toHaveLength(12);
    expect(b.animals.map((x) => x.name)).toEqual(animals.map((x) => x.name));
    expect(b.models[0]?.sse).toBeCloseTo(a.models[0]?.sse ?? Number.NaN, 10);
    expect(a.hypotheses?.winner).toBe("parallel");
    const noPhase = hokrFit(csv, ...common, "--columns", "t=time_min,gain=g,animal=id");
    expect(noPhase.stderr).toMatch(
      /lab\.csv: no session\.json and no "training" rows in a phase column; give --training-min and --rest-min/,
    );
  });

  it("fails with one clear line and exit 1 on bad inputs", () => {
    const bare = join(root, "no-gain-column.tsv");
    writeFileSync(bare, "block\tphase\tt_s\n0\ttraining\t30\n");
    const few = join(root, "few.tsv");
    writeFileSync(
      few,
      gainTableHeader() +
        blocksOf(simulate(3, 0.2, 0.1))
          .slice(5, 10)
          .map(formatGainRow)
          .join(""),
    );
    const noMeta = join(root, "no-meta");
    mkdirSync(noMeta, { recursive: true });
    writeFileSync(join(noMeta, "gain.tsv"), gainTableHeader());
    const cases: Array<[string[], RegExp]> = [
      [[join(root, "missing")], /missing: no such file or folder \(give a session folder or a gain table\)/],
      [[bare], /no-gain-column\.tsv: missing column\(s\) gain; columns found: "block", "phase", "t_s"/],
      [
        [few, "--model", "parallel"],
        /parallel: 5 usable block\(s\) for 6 free parameter\(s\); needs at least 8/,
      ],
      [[noMeta], /no-meta: session folder has no session\.json/],
      [[folder, "--fix", "tau=3"], /no model has parameter\(s\) tau/],
      [
        [folder, "--training-min", "-3"],
        /option '--training-min <min>' argument '-3' is invalid. expected a number > 0/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = hokrFit(...args);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe("");
    }
  });
});

describe("fit inputs", () => {
  const options = { trainingMin: 15, restMin: 60, weights: "none" as const };
  const loadAnimal = (input: string, o: Parameters<typeof loadAnimals>[1]) => {
    const [animal] = loadAnimals(input, o);
    if (!animal) throw new Error("no animal");
    return animal;
  };

  it("takes the schedule from session.json: stimulus-on phases relative to training start", () => {
    const a = loadAnimal(folder, options);
    expect(a.schedule.stimulusOn).toEqual([
      [-PRETEST_S, 0],
      [0, 900],
      [4500, 5100],
    ]);
    expect(a.windows).toEqual({ trainingEndS: 900, testStartS: 4500 });
    expect(a.sigma).toBeUndefined();
  });

  it("weights blocks by the cycles they average when asked", () => {
    const a = loadAnimal(folder, { ...options, weights: "cycles" });
    expect(Array.from(a.sigma ?? [])).toEqual(a.blocks.map((b) => 1 / Math.sqrt(b.cycles_used)));
  });

  it("names the missing session.json fields", () => {
    const dir = join(root, "bad-meta");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "gain.tsv"), gainTableHeader());
    writeFileSync(join(dir, "session.json"), JSON.stringify({ timeline: { phases: [] } }));
    expect(() => loadAnimal(dir, options)).toThrow(
      /session\.json: .*trainingStartS.*the fitter needs timeline\.durationS, timeline\.trainingStartS/,
    );
  });
});
