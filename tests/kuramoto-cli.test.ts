// `hokr kuramoto …` end to end, as a user runs it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "hokr-kuramoto-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hokr kuramoto", () => {
  test("simulate --json prints one JSON object; --plot writes an SVG; --out writes the recording", async () => {
    const svg = join(dir, "sim.svg");
    const tsv = join(dir, "sim.tsv");
    const r = await runCli([
      "kuramoto",
      "simulate",
      "--preset",
      "sync",
      "--duration",
      "40",
      "--transient",
      "10",
      "--json",
      "--plot",
      svg,
      "--out",
      tsv,
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.classification.state).toBe("sync");
    expect(out.recording.R).toHaveLength(401);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const lines = readFileSync(tsv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("t_s\tR_E\tpsi_E_rad\tR_I\tpsi_I_rad\tR\tpsi_rad\tgain");
    expect(lines).toHaveLength(402);
  });

  test("simulate --threads 2 (the step kernel on worker threads) prints the --threads 1 recording", async () => {
    const args = [
      "kuramoto",
      "simulate",
      "--ne",
      "8001",
      "--ni",
      "1999",
      "--method",
      "euler",
      "--noise",
      "0.1",
    ];
    const run = (threads: string) =>
      runCli([
        ...args,
        "--dt",
        "0.01",
        "--duration",
        "3",
        "--transient",
        "1",
        "--threads",
        threads,
        "--json",
      ]);
    const [one, two] = await Promise.all([run("1"), run("2")]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(b.run.threads).toBe(2);
    expect(a.recording.R).toHaveLength(31);
    expect(b.recording).toEqual(a.recording);
  });

  test("theory --json for one population gives R∞ = √(1 − 2Δ/K)", async () => {
    const r = await runCli(["kuramoto", "theory", "--ni", "0", "--kee", "5", "--width-e", "1.5", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const exact = Math.sqrt(1 - 3 / 5);
    expect(out.singlePopulationR).toBeCloseTo(exact, 12);
    expect(out.fixedPoints[0].R).toBeCloseTo(exact, 8);
    expect(out.prediction.state).toBe("sync");
  });

  test("sweep writes the TSV grid and heatmap, progress on stderr", async () => {
    const svg = join(dir, "heat.svg");
    const tsv = join(dir, "grid.tsv");
    const r = await runCli(
      [
        "kuramoto",
        "sweep",
        "--x-range",
        "3:8",
        "--x-steps",
        "2",
        "--y-range",
        "2:5",
        "--y-steps",
        "2",
      ].concat(["--duration", "60", "--out", tsv, "--plot", svg]),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/4 cells .* 1 sync, 1 bistable, 2 async/);
    expect(readFileSync(tsv, "utf8").trim().split("\n")).toHaveLength(5);
    expect(readFileSync(svg, "utf8")).toContain("<svg");
  });

  test("bad options fail with one message naming the option, no stack trace", async () => {
    for (const args of [
      ["simulate", "--dt", "0"],
      ["simulate", "--noise", "0.1"],
      ["modulate", "--depth", "1.5"],
      ["modulate", "--light", "30-10"],
      ["sweep", "--x", "EE", "--y", "EE"],
    ]) {
      const r = await runCli(["kuramoto", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(/--(dt|method|depth|light|x|y)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test("a protocol's light schedule drives the inhibition: its pulse train becomes g(t)", async () => {
    const r = await runCli([
      "kuramoto",
      "modulate",
      "--protocol",
      "protocols/chr2-training.json",
      "--channel",
      "blue",
      "--light-gain",
      "3",
      "--duration",
      "30",
      "--window",
      "5",
      "--ne",
      "200",
      "--ni",
      "50",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // 500 ms pulses at 1 Hz for the 900 s training window.
    expect(out.run.modulation.intervals).toHaveLength(900);
    expect(out.run.modulation.intervals[1]).toEqual({ on: 1, off: 1.5 });
    const none = await runCli(["kuramoto", "modulate", "--protocol", "protocols/control.json", "--json"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/control\.json: no light schedule; nothing to drive the inhibition/);
  });
});
