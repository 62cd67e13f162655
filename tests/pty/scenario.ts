// One fault scenario over the PTY rig: start the devices and `hokr run`, wait for the moment, inject, and
// gather what the devices logged and the folder recorded, with the fault table's figures.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect } from "vitest";
import { monotonicMs } from "../../mocks/pty/device-clock.ts";
import { EXIT_CODES } from "../../src/core/faults.ts";
import type { CliResult } from "../helpers/cli.ts";
import { type Finished, type HokrRun, type LogRecord, PtyRig, type PtyRigOptions } from "./harness.ts";
import {
  lightsOffMs,
  measured,
  printFigures,
  type Recorded,
  readRecorded,
  samplesLost,
  sentSamples,
  trueTimes,
} from "./judge.ts";

export const root = mkdtempSync(join(tmpdir(), "hokr-pty-"));

/** PTY_KEEP=1 keeps every scenario's folder (device logs, rig, protocol, session) for a look afterwards. */
export const keep = process.env.PTY_KEEP === "1";

/** Each PTY test file, once its tests are done: prints the fault-table figures, then removes the folders. */
export function reportFiguresAfterAll(): void {
  afterAll(() => {
    printFigures();
    if (!keep) rmSync(root, { recursive: true, force: true });
  });
}

/**
 * A short protocol (7 s) with both kinds of light: blue continuous and amber in device-timed pulses through
 * training, so a fault finds light on; a 1 Hz drum so blocks come quickly.
 */
export const SHORT_PTY_PROTOCOL = {
  name: "pty-short",
  stimulus: { kind: "drum", amplitudeDeg: 10, frequencyHz: 1 },
  phases: [
    { name: "training", durationS: 4, stimulus: { on: true }, cyclesPerBlock: 2 },
    { name: "rest", durationS: 1, stimulus: { on: false } },
    { name: "test", cycles: 2, stimulus: { on: true }, cyclesPerBlock: 2 },
  ],
  light: [
    {
      channel: "blue",
      opsin: "ChR2",
      wavelengthNm: 470,
      powerMw: 2,
      window: { phase: "training" },
      pattern: { kind: "continuous" },
    },
    {
      channel: "amber",
      opsin: "ArchT",
      wavelengthNm: 593,
      powerMw: 3,
      window: { phase: "training" },
      pattern: { kind: "pulses", pulseWidthMs: 100, periodMs: 500 },
    },
  ],
};

/** The protocol's number of gain blocks: what gain.tsv must hold after a complete session, no more. */
export const SHORT_PTY_BLOCKS = 3;

export interface Scenario {
  rig: PtyRig;
  hokr: HokrRun;
  startedAt: number;
}

/**
 * Bound on the time from a fault to every light off when the host commands it (`ALLOFF` over a live port):
 * milliseconds on an idle machine (see the figures), this bound leaves room for a CI machine under load.
 */
export const COMMANDED_OFF_MS = 1500;

/** A PTY test's time limit: its own few seconds, and waiting for a slot behind the others (see SLOTS). */
export const PTY_TEST_TIMEOUT_MS = 300_000;

/**
 * How many scenarios run at once (PTY_CONCURRENCY, default 2): each is a few processes that mostly wait, so two
 * overlap well on two cores; the tests that need the machine to themselves (timing, exactness) are in
 * session.test.ts, one at a time.
 */
const SLOTS = Number(process.env.PTY_CONCURRENCY ?? 2);
let free = SLOTS;
const waiting: (() => void)[] = [];
const acquire = () =>
  free > 0 ? Promise.resolve(void free--) : new Promise<void>((resolve) => waiting.push(resolve));
const release = () => {
  const next = waiting.shift();
  if (next) next();
  else free++;
};

/**
 * Runs `body` on a fresh PTY rig with `hokr run` started on `protocol`; whatever happens in it, hokr and the
 * devices are gone afterwards.
 */
export async function scenario(
  o: { name: string; rig?: PtyRigOptions; protocol?: object; args?: string[] },
  body: (s: Scenario) => Promise<void>,
): Promise<void> {
  await acquire();
  let s: Scenario | undefined;
  try {
    const startedAt = monotonicMs();
    const rig = await PtyRig.start(join(root, o.name.replace(/[^a-z0-9]+/gi, "-")), o.rig);
    s = { rig, hokr: rig.run(o.protocol ?? SHORT_PTY_PROTOCOL, o.args), startedAt };
    await body(s);
  } finally {
    if (s) {
      s.hokr.child.kill("SIGKILL");
      await s.rig.finish();
    }
    release();
  }
}

/** Waits until the blue light has been on for `ms` (training is under way). */
export async function lightOnFor(s: Scenario, ms: number): Promise<void> {
  await s.rig.devices.light.waitFor((n) => n.kind === "light" && n.text === "blue 1", "light on");
  await sleep(ms);
}

/**
 * Monotonic time the session's stimulus last stopped (at the protocol's end, or when hokr ended it early):
 * the drum's last STOP after its first SINE; Infinity if it was never stopped (hokr killed).
 */
export function protocolEndAt(drumLog: readonly LogRecord[]): number {
  const start = drumLog.findIndex((r) => r.kind === "rx" && / SINE /.test(r.text));
  if (start < 0) return Number.POSITIVE_INFINITY;
  return (
    drumLog
      .slice(start)
      .filter((r) => r.kind === "rx" && / STOP$/.test(r.text))
      .at(-1)?.t ?? Number.POSITIVE_INFINITY
  );
}

/**
 * Monotonic time (ms) of session time 0, from the recorded eye rows: a sample arrives no sooner than it was
 * sent, so the line sent closest before its arrival (host_us on the session clock) fixes the offset.
 */
function sessionZeroAt(eyeLog: readonly LogRecord[], recorded: Recorded): number | undefined {
  const sentAt = new Map(sentSamples(eyeLog).map((s) => [s.deviceUs, s.t]));
  let zero: number | undefined;
  for (const r of recorded.eye) {
    const t = sentAt.get(r.deviceUs);
    if (t !== undefined) zero = Math.max(zero ?? Number.NEGATIVE_INFINITY, t - r.hostUs / 1000);
  }
  return zero;
}

/**
 * Recorded rows placed more than `ms` from when the device says they happened (both on the session clock): a
 * device clock the host mapped wrongly. Lateness in transit does not count, unlike comparing with arrival.
 */
export function misplaced(log: readonly LogRecord[], rows: Recorded["eye"], zero: number, ms = 25) {
  const times = trueTimes(log);
  return rows.filter((r) => {
    const t = times.get(r.deviceUs);
    return t !== undefined && Math.abs(r.tUs / 1000 - (t - zero)) > ms;
  });
}

/** The protocol's span, session time 0 to its end, in monotonic ms. */
export function protocolSpan(logs: Finished["logs"], recorded: Recorded): { from: number; to: number } {
  // Nothing recorded at all: from the stimulus's first start (t = 0), so every sample sent counts as lost.
  const from =
    sessionZeroAt(logs.eye, recorded) ??
    logs.drum.find((r) => r.kind === "rx" && / SINE /.test(r.text))?.t ??
    Number.POSITIVE_INFINITY;
  return { from, to: from + (recorded.meta.timeline?.durationS ?? Number.POSITIVE_INFINITY) * 1000 };
}

/** Eye samples lost: sent during the protocol and before `cutoff` (monotonic ms), yet not recorded. */
export function eyeLoss(logs: Finished["logs"], recorded: Recorded, cutoff: number) {
  const { from, to } = protocolSpan(logs, recorded);
  return samplesLost(logs.eye, recorded.eye, Math.min(cutoff, to), from);
}

/** A session that must have run to its end regardless: complete, every block there, no sample lost. */
export function expectCompleted(o: Outcome, options: { allowLost?: number; blocks?: number } = {}): void {
  expect(o.result.code).toBe(EXIT_CODES.complete);
  expect(o.recorded.meta.status).toBe("complete");
  expect(o.recorded.gain).toHaveLength(options.blocks ?? SHORT_PTY_BLOCKS);
  expect(o.recorded.events.filter((e) => e.type === "fault" || e.type === "error")).toEqual([]);
  const loss = eyeLoss(o.logs, o.recorded, Number.POSITIVE_INFINITY);
  expect(loss.sent).toBeGreaterThan(0);
  expect(loss.lost).toBeLessThanOrEqual(options.allowLost ?? 0);
  expect(lightsOffMs(o.logs.light, protocolEndAt(o.logs.drum))).toBeLessThan(COMMANDED_OFF_MS);
}

/** Waits until hokr has installed its signal handlers (SIGHUP caught: the session's stopper is armed). */
export async function handlersInstalled(pid: number, timeoutMs = 30_000): Promise<void> {
  const giveUp = monotonicMs() + timeoutMs;
  while (monotonicMs() < giveUp) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const caught = BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1] ?? "0"}`);
    if ((caught & 1n) === 1n) return;
    await sleep(5);
  }
  throw new Error("hokr never installed its signal handlers");
}

export interface Outcome extends Finished {
  result: CliResult;
  recorded: Recorded;
  /** stdout and stderr: what the user reads. */
  output: string;
  /** Monotonic time hokr exited. */
  exitedAt: number;
}

/**
 * Waits for hokr to exit (at most `timeoutMs`, then kills it), stops the devices, reads the logs and the folder,
 * and records the figures: time to lights off and eye samples lost, both counted from monotonic time `faultAt`
 * (samples from `lossCutoff`, default 50 ms before it: lines still in flight then may be lost). The devices
 * are stopped `settleMs` after hokr exits.
 */
export async function conclude(
  s: Scenario,
  fault: string,
  faultAt: number,
  options: {
    timeoutMs?: number;
    lossCutoff?: number;
    settleMs?: number;
    /** false: the light rightly keeps its schedule through this fault (no time to lights off to report). */
    lightsOff?: boolean;
  } = {},
): Promise<Outcome> {
  const killer = setTimeout(() => s.hokr.child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const result = await s.hokr.done;
  const exitedAt = monotonicMs();
  clearTimeout(killer);
  // The devices live on after hokr: long enough for a late pulse, or the watchdog, to show in their logs.
  await sleep(options.settleMs ?? 500);
  const finished = await s.rig.finish();
  const recorded = readRecorded(s.hokr.out);
  const loss = eyeLoss(finished.logs, recorded, options.lossCutoff ?? faultAt - 50);
  measured.push({
    fault,
    lightsOffMs: options.lightsOff === false ? Number.NaN : lightsOffMs(finished.logs.light, faultAt),
    samplesLost: loss.lost,
    samplesSent: loss.sent,
    exit: result.code ?? result.signal ?? "?",
    wallS: (exitedAt - s.startedAt) / 1000,
  });
  return { ...finished, result, recorded, output: result.stdout + result.stderr, exitedAt };
}
