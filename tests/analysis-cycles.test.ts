// assembleCycles when devices deliver samples in batches: a stimulus epoch can be announced before samples
// that are earlier than its start, and those still belong to the previous epoch.
import { from, lastValueFrom, map, toArray } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { type AnalysisInput, assembleCycles, type StimulusEpoch } from "../src/analysis/cycles.ts";
import { Random } from "../src/core/random.ts";
import { BatchBuilder, batchOf, type SampleBatch } from "../src/core/samples.ts";

const epoch = (phase: string, startMs: number, endMs: number): AnalysisInput => ({
  kind: "epoch",
  // 100 Hz: 10 ms cycles.
  epoch: {
    phase,
    startMs,
    endMs,
    frequencyHz: 100,
    amplitudeDeg: 10,
    cyclesPerBlock: 2,
  } satisfies StimulusEpoch,
});
const eye = (tMs: number): AnalysisInput => ({ kind: "eye", batch: batchOf([{ tMs, deg: tMs }]) });

/** A stream of sample times, read from `at` on. */
interface Stream {
  kind: "eye" | "stim";
  t: number[];
  at: number;
  deg: (t: number) => number;
}

/**
 * The streams cut into batches at random places (`cut`: the chance of a cut after each sample) and interleaved
 * at random, appended to `out`; `then(s)` runs after each batch of stream `s`, to add inputs there.
 */
function interleave(
  random: Random,
  streams: Stream[],
  cut: number,
  out: AnalysisInput[],
  then: (s: Stream) => void = () => {},
): AnalysisInput[] {
  for (;;) {
    const open = streams.filter((s) => s.at < s.t.length);
    if (open.length === 0) return out;
    const s = open[Math.floor(random.uniform() * open.length)] as Stream;
    const b = new BatchBuilder(1);
    do {
      const t = s.t[s.at++] as number;
      b.push(t, t * 1000, t, s.deg(t));
    } while (s.at < s.t.length && random.uniform() > cut);
    out.push({ kind: s.kind, batch: b.take() as SampleBatch });
    then(s);
  }
}

/** The cycles `assembleCycles` gives for `inputs`: each one's epoch, index and samples. */
const assembled = async (inputs: AnalysisInput[]) =>
  (await lastValueFrom(from(inputs).pipe(assembleCycles(), toArray()))).map((c) => ({
    epoch: c.epoch.phase,
    index: c.index,
    eye: [...c.eyeT].map((t, i) => [t, c.eyeX[i]]),
    stim: [...c.stimT].map((t, i) => [t, c.stimX[i]]),
  }));

describe("assembleCycles with batched samples", () => {
  it("keeps an epoch waiting until the samples reach its start, and still emits the previous epoch's last cycle", () => {
    const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    ts.run(({ cold, expectObservable }) => {
      // Frame 0: epoch A [10, 40) and a batch up to 25 ms. Frame 10: epoch B [40, 60) is announced while the
      // samples of 30–39 ms are still on their way. Frame 20: the batch 30–45 ms. Frame 36: 50–60 ms.
      const input = cold<AnalysisInput>("(Aabcd) 3ms B 9ms (efghi) 9ms (jkl|)", {
        A: epoch("A", 10, 40),
        a: eye(10),
        b: eye(15),
        c: eye(20),
        d: eye(25),
        B: epoch("B", 40, 60),
        e: eye(30),
        f: eye(35),
        g: eye(39),
        h: eye(40),
        i: eye(45),
        j: eye(50),
        k: eye(55),
        l: eye(60),
      });
      const cycles = input.pipe(
        assembleCycles({ stimulusReports: false }),
        map((c) => `${c.epoch.phase}${c.index}:${c.eyeX.join(",")}`),
      );
      expectObservable(cycles).toBe("x 19ms (yz) 12ms (uv|)", {
        x: "A0:10,15",
        y: "A1:20,25",
        z: "A2:30,35,39",
        u: "B0:40,45",
        v: "B1:50,55",
      });
    });
  });

  it("takes epochs announced out of order in order of their start", () => {
    const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    ts.run(({ cold, expectObservable }) => {
      const input = cold<AnalysisInput>("(BAabcdefg|)", {
        B: epoch("B", 30, 40),
        A: epoch("A", 10, 20),
        a: eye(5),
        b: eye(10),
        c: eye(15),
        d: eye(20),
        e: eye(30),
        f: eye(35),
        g: eye(40),
      });
      const cycles = input.pipe(
        assembleCycles({ stimulusReports: false }),
        map((c) => `${c.epoch.phase}${c.index}:${c.eyeX.join(",")}`),
      );
      expectObservable(cycles).toBe("(xy|)", { x: "A0:10,15", y: "B0:30,35" });
    });
  });
});

describe("assembleCycles and a late sample (issue #12)", () => {
  it("a sample older than cycles already emitted never reopens its epoch's cycles", async () => {
    // Epoch A [0, 10 000) ms at 100 Hz: 1000 cycles. The eye reaches 500 ms, so 50 cycles are emitted and the
    // queue is empty; then one sample from 20 ms arrives late, and the stream goes on to 600 ms.
    const inputs: AnalysisInput[] = [epoch("A", 0, 10_000)];
    for (let t = 0; t <= 500; t += 1) inputs.push(eye(t));
    inputs.push(eye(20.5));
    for (let t = 501; t <= 600; t += 1) inputs.push(eye(t));
    const cycles = await lastValueFrom(
      from(inputs).pipe(assembleCycles({ stimulusReports: false }), toArray()),
    );
    // Cycles 0…60 (the last kept at the end of the stream), each once, in order: the late sample reopened
    // nothing (before the fix, it and every later sample reopened the epoch from cycle 0).
    expect(cycles.map((c) => c.index)).toEqual(Array.from({ length: 61 }, (_, i) => i));
    // Every in-order sample is in exactly one cycle; the late one in none.
    expect(cycles.reduce((n, c) => n + c.eyeT.length, 0)).toBe(601);
  });
});

describe("assembleCycles and where streams are cut", () => {
  it("gives the same cycles whatever the batches and however the streams interleave", async () => {
    // Two epochs at 100 Hz (10 ms cycles), an eye at 1 kHz and a stimulus at 400 Hz with a few dropped samples.
    const random = new Random(5);
    const eyeT = Array.from({ length: 900 }, (_, i) => i + 0.25).filter(() => random.uniform() > 0.02);
    const stimT = Array.from({ length: 360 }, (_, i) => 2.5 * i).filter(() => random.uniform() > 0.02);
    const epochs = [epoch("A", 20, 400), epoch("B", 450, 880)];
    const cyclesOf = (cut: number) =>
      assembled(
        interleave(
          random,
          [
            { kind: "eye", t: eyeT, at: 0, deg: (t) => Math.sin(t / 7) },
            { kind: "stim", t: stimT, at: 0, deg: (t) => -t / 100 },
          ],
          cut,
          [...epochs],
        ),
      );
    const oneByOne = await cyclesOf(1);
    expect(oneByOne.map((c) => c.epoch)).toEqual([...Array(38).fill("A"), ...Array(43).fill("B")]);
    for (const cut of [0.5, 0.1, 0.01, 0]) expect(await cyclesOf(cut), `cut ${cut}`).toEqual(oneByOne);
  });
});

describe("assembleCycles takes a batch as its samples one at a time", () => {
  it("gives the same cycles as the same samples in one-sample batches, with times that step back a little", async () => {
    // Placed sample times can step back a few ms when the clock fit moves; a stimulus can stop mid-cycle; an
    // epoch can be announced after samples past its start. Each batch, split in place into its samples, must
    // give the same cycles: the assembler's runs of samples (a cycle's, a rest's) are only a shortcut.
    const random = new Random(11);
    const jitter = (t: number) => (random.uniform() < 0.05 ? t - 3 * random.uniform() : t);
    const eyeT = Array.from({ length: 1200 }, (_, i) => jitter(i + 0.25));
    const stimT = Array.from({ length: 400 }, (_, i) => jitter(2.5 * i + 1)).filter((t) => t < 700);
    const deg = (t: number) => Math.sin(t / 9);
    const eyeStream: Stream = { kind: "eye", t: eyeT, at: 0, deg };
    const batched: AnalysisInput[] = [epoch("A", 20, 400)];
    let announced = false;
    interleave(random, [eyeStream, { kind: "stim", t: stimT, at: 0, deg }], 0.02, batched, (s) => {
      if (s.kind === "stim" && s.at === s.t.length) batched.push({ kind: "stim-stop", tMs: 700 });
      // Epoch B is announced once the eye is past 480 ms: its first samples came before it.
      if (!announced && eyeStream.at > 480) {
        batched.push(epoch("B", 450, 1100));
        announced = true;
      }
    });
    const split = batched.flatMap((input): AnalysisInput[] =>
      input.kind === "eye" || input.kind === "stim"
        ? Array.from({ length: input.batch.length }, (_, i) => ({
            kind: input.kind,
            batch: batchOf([
              {
                tMs: input.batch.tMs[i] as number,
                deviceUs: input.batch.deviceUs[i] as number,
                hostMs: input.batch.hostMs[i] as number,
                deg: input.batch.deg[i] as number,
              },
            ]),
          }))
        : [input],
    );
    const one = await assembled(split);
    // The case is not empty: both epochs give cycles, and some samples stepped back.
    expect(new Set(one.map((c) => c.epoch))).toEqual(new Set(["A", "B"]));
    expect(eyeT.some((t, i) => i > 0 && t < (eyeT[i - 1] as number))).toBe(true);
    expect(await assembled(batched)).toEqual(one);
  });

  it("a batch whose first sample completes its cycle adds nothing more to it (the rest come too late)", async () => {
    // The eye is at 500 ms and the stimulus reported 461 ms before epoch B [450, 480) was announced; then two
    // stimulus reports stepped back into B's first cycle arrive in one batch. The first opens that cycle and
    // completes it (both streams are past its end); the second is too late for it, as if it came alone.
    const stim = (...ts: number[]): AnalysisInput => ({
      kind: "stim",
      batch: batchOf(ts.map((tMs) => ({ tMs, deg: tMs }))),
    });
    const inputs: AnalysisInput[] = [eye(500), stim(461), epoch("B", 450, 480), stim(455, 457)];
    const cycles = await lastValueFrom(from(inputs).pipe(assembleCycles(), toArray()));
    expect(cycles.map((c) => `${c.epoch.phase}${c.index}:${[...c.stimX].join(",")}`)).toEqual(["B0:455"]);
  });
});
