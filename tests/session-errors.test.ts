// An exception in any stage of a session cannot vanish: it ends the session as failed, with every light off,
// the recording flushed and the error in the event log and the outcome (which the CLI prints).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValueFrom, map, of, toArray } from "rxjs";
import { afterAll, describe, expect, it } from "vitest";
import {
  type AnalysisInput,
  assembleCycles,
  type CycleResult,
  collectBlocks,
} from "../src/analysis/cycles.ts";
import { DEFAULT_ANALYSIS } from "../src/analysis/settings.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { batchOf } from "../src/core/samples.ts";
import { loadProtocol } from "../src/protocol/load.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-errors-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An input whose field access throws, as a buggy or corrupted stage upstream would. */
const poisoned = <T extends object>(base: T, field: string): T =>
  Object.defineProperty({ ...base }, field, {
    get() {
      throw new Error(`poisoned ${field}`);
    },
  });

describe("analysis stages", () => {
  it("assembleCycles passes an exception to the subscriber's error path", async () => {
    const input = poisoned({ kind: "eye" } as AnalysisInput, "batch");
    await expect(firstValueFrom(of(input).pipe(assembleCycles(), toArray()))).rejects.toThrow(
      "poisoned batch",
    );
  });

  it("collectBlocks passes an exception to the subscriber's error path", async () => {
    const cycle = poisoned({} as CycleResult, "epoch");
    await expect(
      firstValueFrom(of(cycle).pipe(collectBlocks(0, DEFAULT_ANALYSIS), toArray())),
    ).rejects.toThrow("poisoned epoch");
  });

  it("an exception downstream of them is not swallowed either", async () => {
    const epoch = {
      phase: "p",
      startMs: 0,
      endMs: 2000,
      frequencyHz: 1,
      amplitudeDeg: 10,
      cyclesPerBlock: 1,
    };
    const eye = (tMs: number): AnalysisInput => ({ kind: "eye", batch: batchOf([{ tMs, deg: 0 }]) });
    const inputs: AnalysisInput[] = [{ kind: "epoch", epoch }, eye(0), eye(500), eye(1000), eye(1500)];
    const run = of(...inputs).pipe(
      assembleCycles({ stimulusReports: false }),
      map(() => {
        throw new Error("stage after the cycles");
      }),
    );
    await expect(firstValueFrom(run)).rejects.toThrow("stage after the cycles");
  });
});

describe("a session whose stage throws", () => {
  it("ends as failed: lights off, the error in the log, the recording flushed", async () => {
    const loaded = loadProtocol("protocols/chr2-training.json", SIMULATED_RIG);
    const outDir = join(root, "throwing-block-stage");
    let blocks = 0;
    const out = await runSimulated({
      loaded,
      seed: 1,
      outDir,
      throughSerial: false,
      tap: {
        block: () => {
          if (++blocks === 3) throw new Error("injected failure in a block stage");
        },
      },
    });
    expect(out.status).toBe("failed");
    expect(out.reason).toBe("gain analysis failed: injected failure in a block stage");
    // It stopped at the third block, during training, not at the end of the protocol.
    expect(out.blocks).toHaveLength(3);
    const session = JSON.parse(readFileSync(join(outDir, "session.json"), "utf8"));
    expect(session.status).toBe("failed");
    const events = readFileSync(join(outDir, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const error = events.findIndex((e) => e.type === "error");
    expect(events[error]).toMatchObject({ stage: "gain analysis", message: out.reason });
    const lightsOff = events.findIndex((e) => e.type === "lights-off");
    expect(lightsOff).toBeGreaterThan(error);
    // The light was pulsing when the stage failed: its last reported edge is off, and none came on after.
    const edges = events.filter((e) => e.type === "light-edge");
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.at(-1).on).toBe(false);
    expect(events.slice(lightsOff).some((e) => e.type === "light-edge" && e.on)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "session-end", status: "failed", reason: out.reason });
    // Blocks recorded before the failure are on disk.
    const rows = readFileSync(join(outDir, "gain.tsv"), "utf8").trim().split("\n");
    expect(rows).toHaveLength(1 + 3);
  });
});
