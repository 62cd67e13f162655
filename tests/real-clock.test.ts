// The same session on the real clock: a short protocol runs end to end in real time with device-timed
// light pulses and every block analysed. (No timing assertions: figures belong in bench/.)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { threadsStarted } from "./helpers/threads.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-realtime-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it("runs a short session on the real clock: phases in order, pulses on the device, blocks analysed, no writer thread", async () => {
  const protocol = Protocol.parse({
    name: "short",
    stimulus: { frequencyHz: 2 },
    phases: [
      { name: "training", durationS: 2, stimulus: { on: true }, cyclesPerBlock: 2 },
      { name: "rest", durationS: 0.5 },
      { name: "test", cycles: 2, stimulus: { on: true }, cyclesPerBlock: 2 },
    ],
    light: [
      {
        channel: "blue",
        opsin: "ChR2",
        wavelengthNm: 470,
        powerMw: 1,
        window: { phase: "training" },
        pattern: { kind: "pulses", pulseWidthMs: 20, periodMs: 100 },
      },
    ],
  });
  // On the real clock the session writes its sample files inline: it never waits on a lower-priority thread.
  const { result: out, threads } = await threadsStarted(() =>
    runSimulated({
      loaded: checkProtocol("short", protocol, SIMULATED_RIG),
      seed: 1,
      clock: "real",
      outDir: join(root, "s"),
    }),
  );
  expect(threads).toBe(0);
  expect(out.status).toBe("complete");
  expect(out.blocks.map((b) => b.phase)).toEqual(["training", "training", "test"]);
  const events = readFileSync(join(root, "s", "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const phases = events.filter((e) => e.type === "phase");
  expect(phases.map((e) => e.name)).toEqual(["training", "rest", "test"]);
  // Phase times are monotonic on the session clock and the session lasted its 3.5 s.
  expect(phases.map((e) => e.t_s)).toEqual([...phases.map((e) => e.t_s)].sort((a, b) => a - b));
  expect(events.at(-1)?.t_s).toBeGreaterThanOrEqual(3.5);
  const onEdges = events.filter((e) => e.type === "light-edge" && e.on);
  expect(onEdges).toHaveLength(20); // 2 s of 100 ms periods
  expect(events.filter((e) => e.type === "light-edge").at(-1)?.on).toBe(false);
  for (const b of out.blocks) expect(b.quality).toBe("ok");
  // The devices' clocks ran on through the session's start (the real clock's zero moves once the rig is
  // connected): every fit is one clean line, no jump, nothing rejected, and the eye streamed from START
  // (before that move) is placed where its frames happened.
  const devices = JSON.parse(readFileSync(join(root, "s", "session.json"), "utf8")).devices;
  for (const d of ["light", "stimulus", "eyeTracker"]) {
    expect(devices[d].clock, d).toMatchObject({ rejected: 0, restarts: 0 });
    expect(devices[d].clock.residualMs, d).toBeLessThan(1);
    expect(Math.abs(devices[d].clock.driftPpm), d).toBeLessThan(100);
  }
  const eye = readFileSync(join(root, "s", "eye.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const deviceStep = eye.slice(1).map((l, i) => Number(l.split("\t")[1]) - Number(eye[i]?.split("\t")[1]));
  expect(new Set(deviceStep)).toEqual(new Set([5000]));
});
