// `hokr simulate` on small cohorts: same seed → same JSON; in-process devices and the real serial stack give
// the same gain curves; the command's outputs, errors, and what an interrupted or killed run leaves behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CohortRun, simulateCohort } from "../src/cohort/cohort.ts";
import { runCli, startCli } from "./helpers/cli.ts";
import { shortRestProtocols } from "./helpers/short-protocol.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-cohort-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
/**
 * The group protocols with 7 min of training (7 blocks, light on throughout for ChR2 and ArchT in training) and
 * 1 min of rest (light on throughout for ArchT in rest): determinism, serial vs in-process and what the command
 * writes do not depend on how long either lasts.
 */
const protocolDir = shortRestProtocols(join(root, "protocols"), 60, 420);

const small = (o: { seed: number; throughSerial?: boolean; out?: string }) =>
  simulateCohort({
    groups: ["control", "archt-rest"],
    n: 2,
    protocolDir,
    throughSerial: false,
    workers: 2,
    ...o,
  });

describe("a simulated cohort", () => {
  // The second and third cohorts run on the first one's worker threads (kept between cohorts): nothing an
  // animal leaves in a worker changes the next cohort.
  it("is the same JSON for the same seed, and different for another", async () => {
    const a = await small({ seed: 7 });
    const b = await small({ seed: 7 });
    expect(JSON.stringify(b.output)).toBe(JSON.stringify(a.output));
    const c = await small({ seed: 8 });
    expect(c.output.groups[0]?.measures.online.mean).not.toBe(a.output.groups[0]?.measures.online.mean);
  }, 240_000);

  it("gives the same gain curves through the serial drivers as with in-process devices", async () => {
    // Light during training (ChR2) and during rest (ArchT): every device's wire protocol is exercised.
    const run = (throughSerial: boolean, out: string) =>
      simulateCohort({
        groups: ["chr2-training", "archt-rest"],
        n: 1,
        seed: 3,
        protocolDir,
        throughSerial,
        workers: 2,
        out: join(root, out),
      });
    const direct: CohortRun = await run(false, "direct");
    const serial: CohortRun = await run(true, "serial");
    // The recorded eye and stimulus streams are identical in both (eye.tsv, stimulus.tsv).
    for (const g of ["chr2-training", "archt-rest"])
      for (const file of ["eye.tsv", "stimulus.tsv"]) {
        const column = (dir: string) =>
          readFileSync(join(root, dir, g, `${g}-00`, file), "utf8")
            .split("\n")
            .map((l) => {
              const c = l.split("\t");
              return `${c[0]}\t${c[3]}`; // session time and value; device clocks differ by design
            });
        expect(column("serial"), `${g} ${file}`).toEqual(column("direct"));
      }
    // …and so are the gain curves, exactly: the analysis waits for every stream, whatever order ports deliver in.
    direct.output.groups.forEach((g, i) => {
      expect(serial.output.groups[i]?.curve).toEqual(g.curve);
    });
  }, 300_000);
});

describe("hokr simulate", () => {
  it("writes the cohort folder, the figure and one JSON object", async () => {
    const out = join(root, "cli");
    const plot = join(root, "cli.svg");
    const r = await runCli([
      "simulate",
      "--group",
      "control",
      "--n",
      "2",
      "--seed",
      "5",
      "--protocol-dir",
      protocolDir,
      "--json",
      "--out",
      out,
      "--plot",
      plot,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.groups.map((g: { group: string; n: number }) => [g.group, g.n])).toEqual([["control", 2]]);
    expect(json.models.fits.map((f: { name: string }) => f.name).sort()).toEqual([
      "parallel",
      "transfer",
      "two-state",
    ]);
    const cohort = JSON.parse(readFileSync(join(out, "cohort.json"), "utf8"));
    expect(cohort.status).toBe("complete");
    expect(cohort.groups).toEqual(json.groups);
    for (const a of json.groups[0].animals)
      expect(JSON.parse(readFileSync(join(out, a.session, "session.json"), "utf8")).status).toBe("complete");
    expect(readFileSync(plot, "utf8")).toMatch(/^<svg[\s\S]*control[\s\S]*<\/svg>$/);
    expect(readdirSync(root).filter((f) => f.includes(".partial"))).toEqual([]);
  }, 120_000);

  it.each([
    [
      ["--group", "control,wildtype", "--n", "2"],
      /--group wildtype: unknown group; use any of control, knockout/,
    ],
    [["--group", "control", "--n", "0"], /--n[\s\S]*whole number ≥ 1/],
    [["--group", "control", "--n", "2", "--power", "online"], /--power online: expected MEASURE:DIFFERENCE/],
    [["--group", "control", "--n", "2", "--protocol-dir", "nowhere"], /nowhere\/control\.json/],
  ])("rejects %j with one message", async (args, message) => {
    const r = await runCli(["simulate", ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  it("refuses a non-empty --out folder", async () => {
    const out = mkdtempSync(join(root, "full-"));
    writeFileSync(join(out, "keep.txt"), "x");
    const r = await runCli(["simulate", "--group", "control", "--n", "1", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/folder exists and is not empty/);
  });

  it.each([
    ["SIGKILL", null, "running"],
    ["SIGINT", 130, "interrupted"],
  ] as const)(
    "killed with %s, leaves a cohort marked incomplete and no figure",
    async (signal, code, status) => {
      const out = join(root, `killed-${signal}`);
      const plot = join(root, `killed-${signal}.svg`);
      const { child, done } = startCli([
        "simulate",
        "--group",
        "control,knockout",
        "--n",
        "4",
        "--out",
        out,
        "--plot",
        plot,
      ]);
      // Wait until the first animal is under way, then stop the run.
      while (!existsSync(join(out, "control"))) await new Promise((r) => setTimeout(r, 100));
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(code);
      expect(JSON.parse(readFileSync(join(out, "cohort.json"), "utf8")).status).toBe(status);
      expect(existsSync(plot)).toBe(false);
      expect(readdirSync(root).filter((f) => f.startsWith(`killed-${signal}.svg`))).toEqual([]);
    },
    60_000,
  );
});
