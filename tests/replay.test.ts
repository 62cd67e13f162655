// Replay: a recorded session through the same drivers, codecs and pipeline. A simulated session replays to
// exactly its live gain.tsv, twice alike; changed analysis settings re-analyse; a bad folder says what is wrong.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { replaySession } from "../src/replay/replay.ts";
import { runCli } from "./helpers/cli.ts";
import { shortRestProtocols } from "./helpers/short-protocol.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-replay-"));
const live = join(root, "live");
const gain = (dir: string) => readFileSync(join(dir, "gain.tsv"), "utf8");

beforeAll(async () => {
  await runSimulated({
    // A 5-min rest: exactness does not depend on its length; training (light on, 30 blocks of 5) is as shipped.
    loaded: loadProtocol(
      join(shortRestProtocols(join(root, "protocols")), "chr2-training.json"),
      SIMULATED_RIG,
    ),
    seed: 4,
    outDir: live,
  });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("hokr replay", () => {
  it("reproduces the live gain.tsv and sample files exactly, and two replays are identical", async () => {
    const a = await replaySession({ dir: live, outDir: join(root, "r1") });
    const b = await replaySession({ dir: live, outDir: join(root, "r2") });
    expect(b.status).toBe("complete");
    expect(a.status).toBe("complete");
    expect(gain(join(root, "r1"))).toBe(gain(live));
    // What the devices reported is recorded again as it was live, from the drum's first report at t = 0 on.
    for (const f of ["eye.tsv", "stimulus.tsv"])
      expect(readFileSync(join(root, "r1", f)).equals(readFileSync(join(live, f))), f).toBe(true);
    expect(gain(join(root, "r2"))).toBe(gain(join(root, "r1")));
    expect(readFileSync(join(root, "r2", "eye.tsv"), "utf8")).toBe(
      readFileSync(join(root, "r1", "eye.tsv"), "utf8"),
    );
    expect(JSON.parse(readFileSync(join(root, "r1", "session.json"), "utf8")).replayOf).toBe(live);
  });

  it("re-analyses with changed settings: other blocks, same data", async () => {
    const r = await replaySession({ dir: live, outDir: join(root, "r5"), cyclesPerBlock: 5 });
    expect(r.blocks.filter((b) => b.phase === "training")).toHaveLength(30);
    expect(r.summary.onlineLearning).toBeGreaterThan(0.1);
  });

  it("stopped early, records what was played up to the stop and nothing of the rest of the recording", async () => {
    const stop = new AbortController();
    const r = await replaySession({
      dir: live,
      outDir: join(root, "r6"),
      signal: stop.signal,
      onProgress: (p) => {
        if (p.tMs >= 300_000) stop.abort("SIGINT");
      },
    });
    expect(r.status).toBe("interrupted");
    const endS = JSON.parse(readFileSync(join(root, "r6", "session.json"), "utf8")).end.sessionS;
    expect(endS).toBeGreaterThanOrEqual(300);
    expect(endS).toBeLessThan(400);
    for (const f of ["eye.tsv", "stimulus.tsv"]) {
      const rows = readFileSync(join(root, "r6", f), "utf8")
        .trim()
        .split("\n")
        .slice(1);
      const lastUs = Number(rows.at(-1)?.split("\t")[0]);
      // Through the stop, and not a row after it (the live recording goes on to its end, 20 min).
      expect(lastUs, f).toBeGreaterThan(299e6);
      expect(lastUs, f).toBeLessThanOrEqual((endS + 1) * 1e6);
    }
  });

  it("names what is wrong with a folder that is not a session", async () => {
    const bad = join(root, "bad");
    mkdirSync(bad);
    writeFileSync(join(bad, "session.json"), "{}");
    const res = await runCli(["replay", bad, "--json"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/session\.json[\s\S]*format: Invalid input: expected "hokr-session\/1"/);
  });
});

describe("hokr replay of a foreign eye trace", () => {
  it("runs another system's trace through the same pipeline under a protocol, recovering its gain", async () => {
    const { syntheticTrace } = await import("./helpers/synthetic-trace.ts");
    const protocolFile = join(root, "short.json");
    writeFileSync(
      protocolFile,
      JSON.stringify({
        name: "short",
        phases: [
          { name: "training", durationS: 300, stimulus: { on: true } },
          { name: "rest", durationS: 60 },
          { name: "test", cycles: 10, stimulus: { on: true } },
        ],
      }),
    );
    // 120 Hz trace in ms with a drum column; the eye tracks it at a gain rising 0.40 → 0.60 over 420 s.
    const tr = syntheticTrace({ rateHz: 120, durationS: 420, seed: 9, gain: [0.4, 0.6], jitter: 0 });
    const rows = ["time_ms\teye_deg\tdrum_deg"];
    for (let i = 0; i < tr.t.length; i++) {
      const tS = tr.t[i] as number;
      const moving = tS < 300 || tS >= 360;
      rows.push(
        `${(tS * 1000).toFixed(3)}\t${Number.isNaN(tr.x[i] as number) ? "" : (tr.x[i] as number).toFixed(4)}\t${moving ? (tr.stim[i] as number).toFixed(4) : ""}`,
      );
    }
    const file = join(root, "foreign.tsv");
    writeFileSync(file, `${rows.join("\n")}\n`);
    const res = await runCli([
      "replay",
      file,
      "--protocol",
      protocolFile,
      "--columns",
      "t=time_ms,x=eye_deg,stim=drum_deg",
      "--time-unit",
      "ms",
      "--out",
      join(root, "foreign-replay"),
      "--json",
    ]);
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout);
    expect(out.status).toBe("complete");
    const training = out.blocks.filter((b: { phase: string }) => b.phase === "training");
    expect(training).toHaveLength(5);
    for (const b of training) {
      const truth = (tr.gainAt(b.t_start_s) + tr.gainAt(b.t_end_s)) / 2;
      expect(Math.abs(b.gain - truth)).toBeLessThan(0.02);
    }
  });
});
