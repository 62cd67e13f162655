// NWB export of a session folder, read back with h5wasm (Node only; the Python validator and h5py
// read-back run in CI as `npm run nwb-check`), and the errors a user can act on.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import h5wasm from "h5wasm/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEARNING_DEFINITIONS, sessionLearning } from "../src/analysis/learning.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { exportSessions, sessionFolders } from "../src/cli/commands/export.ts";
import { FileProblem } from "../src/config/json-file.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { exportNwb } from "../src/export/nwb-export.ts";
import { subjectInfo } from "../src/export/subject.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { jsonlRows, tsvColumns } from "../src/recording/recorded-rows.ts";
import { readSessionFolder, SESSION_FILES } from "../src/recording/session-folder.ts";

const NOW = new Date("2026-11-30T12:00:00Z");
let work: string;
let session: string;

/** All rows of two columns of a recorded TSV. */
function columns(file: string, names: [string, string]): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (const batch of tsvColumns(file, names))
    for (let i = 0; i < batch.rows; i++) {
      a.push(batch.columns[names[0]]?.[i] as number);
      b.push(batch.columns[names[1]]?.[i] as number);
    }
  return [a, b];
}

const values = (f: InstanceType<typeof h5wasm.File>, path: string): number[] => {
  const d = f.get(path) as InstanceType<typeof h5wasm.Dataset>;
  return Array.from(d.value as Float64Array, Number);
};

beforeAll(async () => {
  await h5wasm.ready;
  work = mkdtempSync(join(tmpdir(), "hokr-nwb-test-"));
  session = join(work, "session");
  await runSimulated({
    loaded: loadProtocol(fileURLToPath(new URL("./nwb/short-session.json", import.meta.url)), SIMULATED_RIG),
    seed: 3,
    outDir: session,
    flags: ["lrrc8a-ko"],
    throughSerial: false,
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("hokr export --nwb", () => {
  it("writes every eye sample, light edge, cycle and block, read back equal with h5wasm", async () => {
    const out = join(work, "session.nwb");
    const result = await exportNwb(session, {
      out,
      now: NOW,
      subject: subjectInfo(undefined, { sex: "F", age: "P90D", stimulationSite: "left flocculus" }),
      experimenters: ["A. Person"],
      lab: "Cerebellum lab",
    });
    expect(result.warnings).toEqual([]);
    const folder = readSessionFolder(session);
    const f = new h5wasm.File(out, "r");
    try {
      expect(f.attrs.neurodata_type?.value).toBe("NWBFile");
      expect(f.attrs.nwb_version?.value).toBe("2.7.0");
      expect((f.get("session_start_time") as InstanceType<typeof h5wasm.Dataset>).value).toBe(
        folder.meta.startedAt,
      );
      const text = (p: string) => (f.get(p) as InstanceType<typeof h5wasm.Dataset>).value;
      expect(text("general/subject/species")).toBe("Mus musculus");
      expect(text("general/subject/genotype")).toContain("LRRC8A knockout");
      expect(text("general/subject/sex")).toBe("F");
      expect(text("general/lab")).toBe("Cerebellum lab");
      expect(JSON.parse(text("general/protocol") as string)).toEqual(folder.meta.protocol);

      const [tUs, x] = columns(join(session, SESSION_FILES.eye), ["t_us", "x_deg"]);
      const eye = "processing/behavior/EyeTracking/horizontal_eye_position";
      expect(tUs.length).toBeGreaterThan(10_000);
      expect(values(f, `${eye}/timestamps`)).toEqual(tUs.map((t) => t / 1e6));
      expect(values(f, `${eye}/data`)).toEqual(x);
      const data = f.get(`${eye}/data`) as InstanceType<typeof h5wasm.Dataset>;
      expect(data.dtype).toBe("<d");
      expect(data.filters.map((x) => x.name)).toContain("deflate");
      const [sUs, pos] = columns(join(session, SESSION_FILES.stimulus), ["t_us", "position_deg"]);
      expect(values(f, "stimulus/presentation/stimulus_position/timestamps")).toEqual(
        sUs.map((t) => t / 1e6),
      );
      expect(values(f, "stimulus/presentation/stimulus_position/data")).toEqual(pos);

      const edges = [...jsonlRows(join(session, SESSION_FILES.events))].filter(
        (e) => e.type === "light-edge",
      );
      expect(edges.length).toBeGreaterThan(50);
      expect(values(f, "stimulus/presentation/light_blue/timestamps")).toEqual(edges.map((e) => e.t_s));
      expect(values(f, "stimulus/presentation/light_blue/data")).toEqual(
        edges.map((e) => (e.on ? (e.powerMw as number) / 1000 : 0)),
      );
      const lambda = f.get("general/optogenetics/blue/excitation_lambda") as InstanceType<
        typeof h5wasm.Dataset
      >;
      expect([lambda.value, lambda.dtype]).toEqual([470, "<f"]);

      const blocks = folder.blocks;
      expect(blocks.length).toBeGreaterThan(2);
      expect(values(f, "intervals/blocks/gain")).toEqual(blocks.map((b) => b.gain));
      expect(values(f, "intervals/blocks/start_time")).toEqual(
        blocks.map((b) => folder.meta.timeline.trainingStartS + b.t_start_s),
      );
      // Each block's good cycles in the cycles table give its gain (gain.tsv keeps 6 decimals).
      const cStart = values(f, "intervals/cycles/start_time");
      const cStop = values(f, "intervals/cycles/stop_time");
      const cGain = values(f, "intervals/cycles/gain");
      const cGood = values(f, "intervals/cycles/good");
      const t0 = folder.meta.timeline.trainingStartS;
      for (const b of blocks) {
        // gain.tsv's times have 6 decimals: a cycle is the block's if it lies within it to 1e-6 s.
        const inBlock = cStart
          .map((t, i) => ({ t, i }))
          .filter(
            ({ t, i }) => t >= t0 + b.t_start_s - 1e-6 && (cStop[i] as number) <= t0 + b.t_end_s + 1e-6,
          );
        expect(inBlock.length).toBe(b.cycles_total);
        const good = inBlock.filter(({ i }) => cGood[i] === 1).map(({ i }) => cGain[i] as number);
        expect(good.length).toBe(b.cycles_used);
        expect(good.reduce((s, g) => s + g, 0) / good.length).toBeCloseTo(b.gain, 6);
      }
      const learning = sessionLearning(blocks, folder.meta.timeline);
      const online = f.get("scratch/online_learning") as InstanceType<typeof h5wasm.Dataset>;
      expect(online.value).toBe(learning.onlineLearning);
      expect(online.attrs.notes?.value).toContain(LEARNING_DEFINITIONS.online);
      expect(values(f, "intervals/epochs/start_time")).toEqual(
        folder.meta.timeline.phases.map((p) => p.startS),
      );
    } finally {
      f.close();
    }
  });

  it("exports an incomplete session (status running, last line cut) with a warning in the file", async () => {
    const dir = join(work, "incomplete");
    cpSync(session, dir, { recursive: true });
    const metaFile = join(dir, SESSION_FILES.meta);
    const meta = JSON.parse(readFileSync(metaFile, "utf8"));
    writeFileSync(
      metaFile,
      JSON.stringify({ ...meta, status: "running", end: undefined, summary: undefined }),
    );
    const eyeFile = join(dir, SESSION_FILES.eye);
    truncateSync(eyeFile, Math.floor(readFileSync(eyeFile).length / 2) + 3);
    const out = join(work, "incomplete.nwb");
    const result = await exportNwb(dir, { out, now: NOW });
    expect(result.warnings[0]).toMatch(/status is 'running'/);
    const [tUs] = columns(eyeFile, ["t_us", "x_deg"]);
    expect(result.eyeSamples).toBe(tUs.length);
    const f = new h5wasm.File(out, "r");
    try {
      expect((f.get("scratch/export_warnings") as InstanceType<typeof h5wasm.Dataset>).value).toEqual(
        result.warnings,
      );
      expect((f.get("general/notes") as InstanceType<typeof h5wasm.Dataset>).value).toContain("WARNING");
    } finally {
      f.close();
    }
  });

  it("refuses a folder that is not a session, naming what is missing", async () => {
    const empty = join(work, "not-a-session");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "hello");
    const refused = exportNwb(empty, { out: join(work, "x.nwb"), now: NOW });
    await expect(refused).rejects.toThrow(FileProblem);
    await expect(refused).rejects.toThrow(
      /not a hokr session folder: session\.json, events\.jsonl, eye\.tsv, stimulus\.tsv, gain\.tsv are missing/,
    );
    writeFileSync(join(empty, SESSION_FILES.meta), "{}");
    await expect(exportNwb(empty, { out: join(work, "x.nwb"), now: NOW })).rejects.toThrow(/eye\.tsv/);
    await expect(exportNwb(join(work, "nowhere"), { out: join(work, "x.nwb"), now: NOW })).rejects.toThrow(
      /no such folder/,
    );
  });

  it("refuses a malformed subject file or option, naming the place and the fix", () => {
    const file = join(work, "subject.json");
    writeFileSync(file, JSON.stringify({ sex: "male", age: "90 days" }));
    expect(() => subjectInfo(file, {})).toThrow(/sex: use M, F, U \(unknown\) or O \(other\)/);
    expect(() => subjectInfo(file, {})).toThrow(/age: use an ISO 8601 duration such as "P90D"/);
    writeFileSync(file, JSON.stringify({ sex: "F", weigth: "20 g" }));
    expect(() => subjectInfo(file, {})).toThrow(/unknown key 'weigth'; did you mean 'weight'\?/);
    expect(() => subjectInfo(undefined, { age: "3 months" })).toThrow(/--age: use an ISO 8601 duration/);
    writeFileSync(file, JSON.stringify({ sex: "F", age: "P12W", strain: "C57BL/6J" }));
    expect(subjectInfo(file, { sex: "M" })).toEqual({ sex: "M", age: "P12W", strain: "C57BL/6J" });
  });

  it("exports a cohort folder as one file per animal", async () => {
    const cohort = join(work, "cohort");
    for (const a of ["control-00", "control-01"])
      cpSync(session, join(cohort, "control", a), { recursive: true });
    writeFileSync(join(cohort, "cohort.json"), "{}");
    expect(sessionFolders(cohort)).toEqual([
      join(cohort, "control", "control-00"),
      join(cohort, "control", "control-01"),
    ]);
    const results = await exportSessions([cohort], { nwb: true, out: join(work, "cohort-nwb") }, NOW);
    expect(results.map((r) => r.file)).toEqual([
      join(work, "cohort-nwb", "control-00.nwb"),
      join(work, "cohort-nwb", "control-01.nwb"),
    ]);
  });
});

describe("recorded TSV columns", () => {
  it("reads what Number() reads, drops a cut last line and names a bad cell's line and column", () => {
    const file = join(work, "rows.tsv");
    const cells = ["0", "-0.0110", "12.5", "NaN", "1e-3", "4000005000", "+7", "0.1234"];
    writeFileSync(file, `a\tb\n${cells.map((c, i) => `${i}\t${c}`).join("\n")}\n99\t1.2`);
    const [a, b] = columns(file, ["a", "b"]);
    expect(a).toEqual(cells.map((_, i) => i));
    expect(b).toEqual(cells.map((c) => Number(c)));
    writeFileSync(file, "a\tb\n1\t2\n3\tx\n");
    expect(() => columns(file, ["a", "b"])).toThrow(/rows\.tsv: line 3: column b is 'x', not a number/);
    writeFileSync(file, "a\tb\n1\n");
    expect(() => columns(file, ["a", "b"])).toThrow(/line 2: column b is '', not a number/);
    expect(() => columns(file, ["a", "c"])).toThrow(/missing column\(s\) c; found: a, b/);
  });
});
