// A session cut short stays readable: SIGINT ends it cleanly (lights off, flushed, marked interrupted,
// exit 130); SIGKILL leaves everything up to the last flush, marked incomplete.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT_CODES, FAULT_TEXT } from "../src/core/faults.ts";
import { readSessionFolder } from "../src/recording/session-folder.ts";
import { startCli } from "./helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-interrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("interrupted sessions", () => {
  it("SIGINT during light pulses: every light off, recording flushed and marked interrupted, exit 130", async () => {
    const out = join(root, "sigint");
    // Paced at 100× so the signal lands mid-training while blue pulses run.
    const { child, done } = startCli([
      "run",
      "protocols/chr2-training.json",
      "--sim",
      "--speed",
      "100",
      "--out",
      out,
    ]);
    await waitFor(
      () => lines(join(out, "events.jsonl")).filter((l) => l.includes('"light-edge"')).length >= 20,
      "light pulses",
    );
    child.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(130);
    const folder = readSessionFolder(out);
    expect(folder.meta.status).toBe("interrupted");
    expect(folder.complete).toBe(false);
    expect(folder.meta.end?.reason).toBe("SIGINT");
    const events = lines(join(out, "events.jsonl")).map((l) => JSON.parse(l));
    const lastEdge = new Map<string, boolean>();
    for (const e of events) if (e.type === "light-edge") lastEdge.set(e.channel, e.on);
    expect(lastEdge.get("blue")).toBe(false);
    expect(events.some((e) => e.type === "lights-off")).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: "session-end", status: "interrupted" });
    // The data up to the interruption are all there and parse.
    const eye = lines(join(out, "eye.tsv"));
    expect(eye[0]).toBe("t_us\tdevice_us\thost_us\tx_deg");
    const lastT = Number(eye.at(-1)?.split("\t")[0]) / 1e6;
    expect(lastT).toBeCloseTo(folder.meta.end?.sessionS ?? 0, 1);
  });

  it("SIGKILL: the folder stays readable, marked incomplete, with data up to the kill", async () => {
    const out = join(root, "sigkill");
    const { child, done } = startCli([
      "run",
      "protocols/control.json",
      "--sim",
      "--speed",
      "200",
      "--out",
      out,
    ]);
    await waitFor(() => lines(join(out, "gain.tsv")).length >= 3, "two gain blocks");
    child.kill("SIGKILL");
    const r = await done;
    expect(r.signal).toBe("SIGKILL");
    const folder = readSessionFolder(out);
    expect(folder.meta.status).toBe("running");
    expect(folder.complete).toBe(false);
    expect(folder.blocks.length).toBeGreaterThanOrEqual(2);
    // Every complete eye row parses; at most a last partial row is missing.
    const eye = lines(join(out, "eye.tsv")).slice(1);
    expect(eye.length).toBeGreaterThan(1000);
    for (const row of eye.slice(0, -1))
      expect(row.split("\t").map(Number).slice(0, 2).every(Number.isInteger)).toBe(true);
    // Recorded data reach (within the 250 ms flush interval, at 200× pace ≈ 50 s of session) the last block.
    const lastEyeS = Number(eye.at(-2)?.split("\t")[0]) / 1e6;
    expect(lastEyeS).toBeGreaterThanOrEqual((folder.blocks.at(-1)?.t_end_s ?? 0) - 60);
  });

  it("SIGTERM then a second signal as it ends: not killed by it, lights still off, recording still flushed, exit 143", async () => {
    const out = join(root, "sigterm-twice");
    const { child, done } = startCli([
      "run",
      "protocols/chr2-training.json",
      "--sim",
      "--speed",
      "100",
      "--out",
      out,
    ]);
    await waitFor(
      () => lines(join(out, "events.jsonl")).filter((l) => l.includes('"light-edge"')).length >= 20,
      "light pulses",
    );
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    child.kill("SIGTERM");
    await waitFor(() => stderr.includes("stopping"), "the first signal taken");
    // Impatient: before the ending is done, if it is not done already (a simulated rig closes in a few ms; the
    // PTY suite's devices hold the ending open to test a second signal there for certain).
    if (child.exitCode === null) child.kill("SIGINT");
    const r = await done;
    expect(r.signal).toBeNull(); // not killed by the second signal
    expect(r.code).toBe(EXIT_CODES.SIGTERM);
    expect(r.stderr).toContain(FAULT_TEXT.stopping("SIGTERM"));
    const folder = readSessionFolder(out);
    expect(folder.meta.status).toBe("interrupted");
    expect(folder.meta.end?.reason).toBe("SIGTERM");
    const events = lines(join(out, "events.jsonl")).map((l) => JSON.parse(l));
    const lastEdge = new Map<string, boolean>();
    for (const e of events) if (e.type === "light-edge") lastEdge.set(e.channel, e.on);
    expect(lastEdge.get("blue")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "session-end", status: "interrupted" });
  });

  it("SIGTERM with the terminal gone (stderr closed: EPIPE): still ends cleanly, exit 143", async () => {
    const out = join(root, "epipe");
    const { child, done } = startCli([
      "run",
      "protocols/chr2-training.json",
      "--sim",
      "--speed",
      "100",
      "--out",
      out,
    ]);
    child.stderr?.destroy();
    await waitFor(
      () => lines(join(out, "events.jsonl")).filter((l) => l.includes('"light-edge"')).length >= 20,
      "light pulses",
    );
    child.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(EXIT_CODES.SIGTERM);
    const folder = readSessionFolder(out);
    expect(folder.meta.status).toBe("interrupted");
    const events = lines(join(out, "events.jsonl")).map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ type: "session-end", status: "interrupted" });
  });
});
