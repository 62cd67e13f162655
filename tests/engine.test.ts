// The engine's RxJS stages and its clocks, on virtual time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { map } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { afterAll, describe, expect, it } from "vitest";
import { SimulatedLightSource } from "../mocks/simulated-rig.ts";
import { type AnalysisInput, assembleCycles, type StimulusEpoch } from "../src/analysis/cycles.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { scheduleTicks, VirtualClock } from "../src/core/clock.ts";
import { batchOf } from "../src/core/samples.ts";
import { playTimeline, timelineEvents } from "../src/engine/timeline-events.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { buildTimeline } from "../src/protocol/timeline.ts";
import { SHORT_PROTOCOL } from "./helpers/short-protocol.ts";
import { threadsStarted } from "./helpers/threads.ts";

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe("playTimeline", () => {
  it("emits phase and light events at their times, lights off before the next phase", () => {
    const protocol = Protocol.parse({
      name: "t",
      phases: [
        { name: "training", durationS: 0.01, stimulus: { on: true } },
        { name: "rest", durationS: 0.005 },
      ],
      light: [
        {
          channel: "blue",
          opsin: "ChR2",
          wavelengthNm: 470,
          powerMw: 1,
          window: { phase: "training", startOffsetS: 0.002 },
          pattern: { kind: "continuous" },
        },
        {
          channel: "amber",
          opsin: "ArchT",
          wavelengthNm: 593,
          powerMw: 1,
          window: { phase: "rest", startOffsetS: 0.001, endOffsetS: -0.001 },
          pattern: { kind: "continuous" },
        },
      ],
    });
    const ts = testScheduler();
    ts.run(() => {
      const seen: string[] = [];
      playTimeline(timelineEvents(buildTimeline(protocol)), ts).subscribe({
        next: (e) => seen.push(`${ts.now()}:${e.kind}${"light" in e ? `:${e.light.channel}` : ""}`),
        complete: () => seen.push(`${ts.now()}:complete`),
      });
      ts.flush();
      expect(seen).toEqual([
        "0:phase-start",
        "2:light-start:blue",
        "10:light-off:blue",
        "10:phase-start",
        "11:light-start:amber",
        "14:light-off:amber",
        "15:session-end",
        "15:complete",
      ]);
    });
  });
});

describe("assembleCycles", () => {
  const epoch: StimulusEpoch = {
    phase: "training",
    startMs: 10,
    endMs: 40,
    frequencyHz: 100, // 10 ms cycles: three whole cycles in the epoch
    amplitudeDeg: 10,
    cyclesPerBlock: 2,
  };
  const eye = (tMs: number): AnalysisInput => ({ kind: "eye", batch: batchOf([{ tMs, deg: tMs }]) });

  it("cuts the sample stream into whole stimulus cycles and ignores samples outside the epoch", () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const input = cold<AnalysisInput>("a 4ms b 4ms c 4ms d 4ms e 4ms f 4ms g 4ms h 4ms i|", {
        a: eye(0),
        b: { kind: "epoch", epoch },
        c: eye(10),
        d: eye(15),
        e: eye(20),
        f: eye(25),
        g: eye(30),
        h: eye(39),
        i: eye(45),
      });
      const cycles = input.pipe(
        assembleCycles({ stimulusReports: false }),
        map((c) => `${c.index}:${c.eyeX.join(",")}`),
      );
      expectObservable(cycles).toBe("20ms x 9ms y 9ms z|", { x: "0:10,15", y: "1:20,25", z: "2:30,39" });
    });
  });
});

describe("assembleCycles with eye and stimulus streams delivered in batches", () => {
  const epoch: StimulusEpoch = {
    phase: "training",
    startMs: 0,
    endMs: 30,
    frequencyHz: 100,
    amplitudeDeg: 10,
    cyclesPerBlock: 1,
  };
  const eye = (tMs: number): AnalysisInput => ({ kind: "eye", batch: batchOf([{ tMs, deg: tMs }]) });
  const stim = (tMs: number): AnalysisInput => ({ kind: "stim", batch: batchOf([{ tMs, deg: -tMs }]) });
  const run = (inputs: AnalysisInput[]) => {
    const out: string[] = [];
    new TestScheduler(() => {}).run(({ cold }) => {
      const values = Object.fromEntries(inputs.map((v, i) => [String.fromCharCode(97 + i), v]));
      cold(`${Object.keys(values).join("")}|`, values)
        .pipe(assembleCycles())
        .subscribe((c) =>
          out.push(`${c.index}:${Array.from(c.eyeX).join(",")}/${Array.from(c.stimX).join(",")}`),
        );
    });
    return out;
  };

  it("gives the same cycles whichever stream's batch comes first", () => {
    const e = [0, 5, 10, 15, 20, 25].map(eye);
    const s = [0, 5, 10, 15, 20, 25].map(stim);
    // Batches of 15 ms: [0,15) then [15,30); the session ends after the last batch.
    const eyeFirst = run([
      { kind: "epoch", epoch },
      ...e.slice(0, 3),
      ...s.slice(0, 3),
      ...e.slice(3),
      ...s.slice(3),
    ]);
    const stimFirst = run([
      { kind: "epoch", epoch },
      ...s.slice(0, 3),
      ...e.slice(0, 3),
      ...s.slice(3),
      ...e.slice(3),
    ]);
    expect(eyeFirst).toEqual(["0:0,5/0,-5", "1:10,15/-10,-15", "2:20,25/-20,-25"]);
    expect(stimFirst).toEqual(eyeFirst);
  });
});

describe("VirtualClock", () => {
  it("ticks at exact multiples of the period however long it runs (no drift)", () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    scheduleTicks(clock, 0, 5, (k, t) => {
      if (k % 100_000 === 0) times.push(t, clock.now());
    });
    clock.advanceTo(4_500_000); // 75 min at 200 Hz: 900,000 ticks
    expect(times).toEqual([
      0, 0, 500_000, 500_000, 1_000_000, 1_000_000, 1_500_000, 1_500_000, 2_000_000, 2_000_000, 2_500_000,
      2_500_000, 3_000_000, 3_000_000, 3_500_000, 3_500_000, 4_000_000, 4_000_000, 4_500_000, 4_500_000,
    ]);
  });

  it("runs actions in time order, equal times in the order they were scheduled", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.schedule(() => log.push("b@5"), 5);
    clock.schedule(() => log.push("a@1"), 1);
    clock.schedule(() => log.push("c@5"), 5);
    const cancelled = clock.schedule(() => log.push("never"), 3);
    cancelled.unsubscribe();
    clock.advanceTo(4);
    expect(log).toEqual(["a@1"]);
    expect(clock.now()).toBe(4);
    clock.advanceTo(10);
    expect(log).toEqual(["a@1", "b@5", "c@5"]);
  });
});

describe("simulated light source", () => {
  it("times pulse trains on the device and stops them on off()", () => {
    const clock = new VirtualClock();
    const light = new SimulatedLightSource(clock, [{ name: "blue", wavelengthNm: 470 }]);
    const edges: string[] = [];
    light.edges$.subscribe((e) => edges.push(`${e.tMs}:${e.on ? "on" : "off"}`));
    light.start("blue", 3, {
      kind: "pulses",
      pulseWidthMs: 10,
      periodMs: 50,
      trainDurationS: 0.1,
      interTrainIntervalS: 0.1,
    });
    clock.advanceTo(290);
    light.off("blue");
    clock.advanceTo(1000);
    expect(edges).toEqual(["0:on", "10:off", "50:on", "60:off", "200:on", "210:off", "250:on", "260:off"]);
    light.start("blue", 3, { kind: "continuous" });
    clock.advanceTo(1500);
    light.allOff();
    expect(edges.slice(-2)).toEqual(["1000:on", "1500:off"]);
    expect(light.isOn("blue")).toBe(false);
  });
});

describe("a session on the virtual clock", () => {
  const root = mkdtempSync(join(tmpdir(), "hokr-engine-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("ends at its end event, also when its length rounds up on the µs grid of the timeline's events", async () => {
    // 7 s + 3 cycles at 0.17 Hz = 24.647058823529… s: its end event sits at 24 647 059 µs, after durationS × 1000.
    const protocol = Protocol.parse({
      name: "rounds-up",
      stimulus: { kind: "drum", amplitudeDeg: 10, frequencyHz: 0.17 },
      phases: [
        { name: "training", durationS: 6, stimulus: { on: true } },
        { name: "rest", durationS: 1 },
        { name: "test", cycles: 3, stimulus: { on: true } },
      ],
    });
    const loaded = checkProtocol("rounds-up", protocol, SIMULATED_RIG);
    const durationUs = loaded.timeline.durationS * 1e6;
    expect(Math.round(durationUs)).toBeGreaterThan(durationUs); // the case this test is about
    // A session that never ends is stopped here after 20 s (a timeout: it fails), instead of hanging the test.
    const out = await runSimulated({
      loaded,
      seed: 1,
      outDir: join(root, "session"),
      signal: AbortSignal.timeout(20_000),
    });
    expect(out.status, out.reason).toBe("complete");
  });

  it("writes its sample files on a thread of its own (one thread started; tests/real-clock.test.ts: none there)", async () => {
    const { result: out, threads } = await threadsStarted(() =>
      runSimulated({
        loaded: checkProtocol("short", Protocol.parse(SHORT_PROTOCOL), SIMULATED_RIG),
        seed: 1,
        outDir: join(root, "thread"),
      }),
    );
    expect(out.status, out.reason).toBe("complete");
    expect(threads).toBe(1);
  });
});
