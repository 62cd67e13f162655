// `npm run nwb-check` (CI, after `npm test`; needs /usr/bin/python3 with python3-h5py and python3-hdmf):
// exports real sessions as NWB through the `hokr` command and checks every file with independent readers.
//   sessions: every protocol in protocols/ (`hokr run --sim --nwb`), a replay, a firmware-rig session
//   (`--sim --firmware`), a cohort folder (one file per animal) and an incomplete session (status running,
//   last line cut short);
//   validate_nwb.py: every file must be valid NWB 2.7.0, and a deliberately broken export must be reported;
//   read_back.py: h5py reads every file back and it must equal its session folder (every sample, edge,
//   cycle and block); a deliberately altered file must be reported there too.
// Exit 0 when all of it holds; 1 with what failed.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const PYTHON = "/usr/bin/python3";
const HOKR = join(ROOT, "src/cli/hokr.js");
const work = mkdtempSync(join(tmpdir(), "hokr-nwb-check-"));
const failures: string[] = [];
const keep = process.argv.includes("--keep");

/** Runs the hokr command; its output is shown, a failure is fatal. */
function hokr(args: string[]): string {
  process.stdout.write(`$ hokr ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [HOKR, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.stderr) process.stdout.write(r.stderr.replace(/^/gm, "  "));
  if (r.status !== 0) throw new Error(`hokr ${args.join(" ")} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Runs a Python checker; returns its exit status and output. */
function python(script: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(PYTHON, [join(HERE, script), ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

/** [file.nwb, session folder] pairs to check. */
const exported: [string, string][] = [];

try {
  // Every shipped protocol, exported as the session ends (`run --nwb`).
  const protocols = readdirSync(join(ROOT, "protocols")).filter(
    (f) => f.endsWith(".json") && !f.endsWith(".schema.json"),
  );
  for (const p of protocols) {
    const name = basename(p, ".json");
    const dir = join(work, name);
    const flags = name === "control" ? ["--subject", "lrrc8a-ko"] : [];
    hokr([
      "run",
      join("protocols", p),
      "--sim",
      "--out",
      dir,
      "--nwb",
      `${dir}.nwb`,
      "--sex",
      "M",
      "--age",
      "P84D",
      ...flags,
    ]);
    exported.push([`${dir}.nwb`, dir]);
  }

  // A replay of one of them, exported afterwards.
  const replayOf = join(
    work,
    protocols.includes("chr2-training.json") ? "chr2-training" : basename(protocols[0] ?? "", ".json"),
  );
  const replay = join(work, "replay");
  hokr(["replay", replayOf, "--out", replay]);
  hokr(["export", replay, "--nwb", "--out", `${replay}.nwb`]);
  exported.push([`${replay}.nwb`, replay]);

  // The rig firmware on the emulated board (slower than real time): a short protocol with light pulses.
  const short = join(HERE, "short-session.json");
  const firmware = join(work, "firmware");
  hokr(["run", short, "--sim", "--firmware", "--out", firmware]);
  hokr([
    "export",
    firmware,
    "--nwb",
    "--out",
    `${firmware}.nwb`,
    "--experimenter",
    "CI",
    "--lab",
    "hokr-lab CI",
  ]);
  exported.push([`${firmware}.nwb`, firmware]);

  // A cohort folder: one file per animal.
  const cohort = join(work, "cohort");
  hokr(["simulate", "--group", "control", "--n", "2", "--workers", "1", "--out", cohort]);
  const cohortOut = join(work, "cohort-nwb");
  hokr(["export", cohort, "--nwb", "--out", cohortOut]);
  const animals = readdirSync(join(cohort, "control")).filter((d) => !d.endsWith(".nwb"));
  const files = readdirSync(cohortOut);
  if (files.length !== animals.length)
    failures.push(`cohort: ${files.length} NWB files for ${animals.length} animals`);
  for (const a of animals) exported.push([join(cohortOut, `${a}.nwb`), join(cohort, "control", a)]);

  // An incomplete session: still "running", its eye.tsv cut mid-line (as a killed session leaves it).
  const incomplete = join(work, "incomplete");
  cpSync(firmware, incomplete, { recursive: true });
  const metaFile = join(incomplete, "session.json");
  const meta = JSON.parse(readFileSync(metaFile, "utf8")) as Record<string, unknown>;
  for (const k of ["end", "endedAt", "summary"]) delete meta[k];
  writeFileSync(metaFile, JSON.stringify({ ...meta, status: "running" }, null, 2));
  const eyeFile = join(incomplete, "eye.tsv");
  truncateSync(eyeFile, Math.floor(readFileSync(eyeFile).length * 0.6));
  const said = hokr(["export", incomplete, "--nwb", "--out", `${incomplete}.nwb`]);
  if (!/warning: .*running/.test(said)) failures.push("incomplete session: no warning on the terminal");
  // gain.tsv still has every block, the eye data stop early: the export must say its cycles cannot cover them.
  if (!/warning: .*recomputed/.test(said))
    failures.push("incomplete session: no warning about missing cycles");
  exported.push([`${incomplete}.nwb`, incomplete]);

  // 1. Every export is valid NWB 2.7.0.
  const files1 = exported.map(([f]) => f);
  const valid = python("validate_nwb.py", files1);
  process.stdout.write(valid.out);
  for (const f of files1)
    if (!valid.out.includes(`${f}: OK`)) failures.push(`${f}: not valid NWB (see validate_nwb.py above)`);

  // 2. The validator can fail: a deliberately broken export is reported.
  const broken = join(work, "broken.nwb");
  cpSync(`${firmware}.nwb`, broken);
  execFileSync(PYTHON, [
    "-c",
    "import h5py, sys\n" +
      "with h5py.File(sys.argv[1], 'a') as f:\n" +
      "    f['stimulus/presentation/light_blue/data'].attrs['unit'] = 'milliwatts'\n" +
      "    del f['general/optogenetics/blue/excitation_lambda']\n",
    broken,
  ]);
  const invalid = python("validate_nwb.py", [broken]);
  process.stdout.write(invalid.out);
  if (invalid.status === 0 || !/INVALID/.test(invalid.out) || !/excitation_lambda/.test(invalid.out))
    failures.push("validate_nwb.py did not report the deliberately broken export");

  // 3. Read back with h5py: every file equals its session folder.
  const readBack = python("read_back.py", exported.flat());
  process.stdout.write(readBack.out);
  if (readBack.status !== 0)
    failures.push("read_back.py: an export differs from its session folder (see above)");

  // 4. The read-back can fail: one eye sample altered in a copy is found.
  const altered = join(work, "altered.nwb");
  cpSync(`${firmware}.nwb`, altered);
  execFileSync(PYTHON, [
    "-c",
    "import h5py, sys\n" +
      "with h5py.File(sys.argv[1], 'a') as f:\n" +
      "    d = f['processing/behavior/EyeTracking/horizontal_eye_position/data']\n" +
      "    x = d[:]\n" +
      "    i = next(i for i in range(100, len(x)) if x[i] == x[i])  # a tracked sample, not a blink (NaN)\n" +
      "    d[i] = x[i] + 0.0001\n",
    altered,
  ]);
  const differs = python("read_back.py", [altered, firmware]);
  process.stdout.write(differs.out);
  if (differs.status === 0 || !/eye positions: 1 values differ/.test(differs.out))
    failures.push("read_back.py did not report the deliberately altered eye sample");
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
} finally {
  if (keep) process.stdout.write(`files kept in ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  process.stdout.write(`\nnwb-check FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
  process.exit(1);
}
process.stdout.write(
  `\nnwb-check passed: ${exported.length} exports valid NWB 2.7.0 and equal to their session folders; ` +
    "a broken export and an altered one were both reported\n",
);
