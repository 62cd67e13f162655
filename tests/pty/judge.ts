// Judging a run from the devices' own logs and the recorded session folder, and the figures the fault table
// reports: time to lights off, samples lost, exit code.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LogRecord } from "./harness.ts";

export interface Recorded {
  /** session.json, if it was written. */
  meta: Record<string, unknown> & {
    status?: string;
    end?: { reason: string; sessionS: number };
    devices?: Record<string, { rejectedLines: number; clock?: Record<string, number> }>;
    timeline?: { durationS: number };
  };
  events: (Record<string, unknown> & { type: string })[];
  eye: { tUs: number; deviceUs: string; hostUs: number; x: number }[];
  stimulus: { tUs: number; deviceUs: string; hostUs: number; x: number }[];
  gain: Record<string, string>[];
}

const rows = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];

const samples = (file: string) =>
  rows(file)
    .slice(1)
    .map((r) => r.split("\t"))
    // A row cut short by SIGKILL is not a sample.
    .filter((f) => f.length === 4 && f[3] !== "")
    .map(([t, d, h, x]) => ({ tUs: Number(t), deviceUs: d as string, hostUs: Number(h), x: Number(x) }));

export function readRecorded(dir: string): Recorded {
  const metaFile = join(dir, "session.json");
  const [header, ...gainRows] = rows(join(dir, "gain.tsv")).map((r) => r.split("\t"));
  return {
    meta: existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, "utf8")) : {},
    events: rows(join(dir, "events.jsonl")).flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return []; // the last line of a killed session may be cut short
      }
    }),
    eye: samples(join(dir, "eye.tsv")),
    stimulus: samples(join(dir, "stimulus.tsv")),
    gain: gainRows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""]))),
  };
}

/** The light as the controller's own log has it: every change of every channel, in order. */
export function lightChanges(log: readonly LogRecord[]): { t: number; channel: string; on: boolean }[] {
  return log
    .filter((r) => r.kind === "light")
    .map((r) => {
      const [channel = "", on] = r.text.split(" ");
      return { t: r.t, channel, on: on === "1" };
    });
}

/** Channels on at monotonic time `t`. */
export function litAt(log: readonly LogRecord[], t: number): string[] {
  const state = new Map<string, boolean>();
  for (const c of lightChanges(log)) if (c.t <= t) state.set(c.channel, c.on);
  return [...state].filter(([, on]) => on).map(([ch]) => ch);
}

/**
 * ms from `t` until no channel was on (0 if none was on at `t`); Infinity if one was still on when the
 * controller's log ends. Whether anything switched on later is `switchedOnAfter`'s question.
 */
export function lightsOffMs(log: readonly LogRecord[], t: number): number {
  if (litAt(log, log.at(-1)?.t ?? t).length > 0) return Number.POSITIVE_INFINITY;
  const lit = new Set(litAt(log, t));
  if (lit.size === 0) return 0;
  for (const c of lightChanges(log)) {
    if (c.t <= t) continue;
    if (c.on) lit.add(c.channel);
    else lit.delete(c.channel);
    if (lit.size === 0) return c.t - t;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * When the controller was first told to stop after monotonic time `t`: the first `ALLOFF`/`OFF` it received, or
 * its own watchdog firing (`W`, sent or, its cable out, unsent) when the host could not tell it; undefined if
 * neither happened.
 */
export function stoppedAt(log: readonly LogRecord[], t: number): number | undefined {
  return log.find(
    (r) =>
      r.t >= t &&
      ((r.kind === "rx" && / (ALLOFF|OFF \d+)$/.test(r.text)) ||
        ((r.kind === "tx" || r.kind === "unsent") && r.text.startsWith("W "))),
  )?.t;
}

/**
 * Light that switched on after the controller was told to stop following a fault at `t` (a pulse may start in
 * the moment between the fault and the command reaching the controller; none may start after it).
 */
export function switchedOnAfterStop(log: readonly LogRecord[], t: number) {
  const stop = stoppedAt(log, t) ?? t;
  return lightChanges(log).filter((c) => c.on && c.t > stop);
}

/** The samples (S, R or P lines) a device sent, in order, with their device timestamp as sent. */
export function sentSamples(log: readonly LogRecord[]): { t: number; deviceUs: string; line: string }[] {
  return log
    .filter((r) => r.kind === "tx" && /^[SRP] /.test(r.text))
    .map((r) => ({ t: r.t, deviceUs: r.text.split(" ")[1] as string, line: r.text }));
}

/** Samples the device sent within [from, until) (monotonic ms) that the recording lacks. */
export function samplesLost(
  log: readonly LogRecord[],
  recorded: readonly { deviceUs: string }[],
  until: number,
  from = Number.NEGATIVE_INFINITY,
): { sent: number; lost: number } {
  const have = new Map<string, number>();
  for (const r of recorded) have.set(r.deviceUs, (have.get(r.deviceUs) ?? 0) + 1);
  let sent = 0;
  let lost = 0;
  for (const s of sentSamples(log)) {
    if (s.t < from) continue;
    if (s.t >= until) break;
    sent++;
    const n = have.get(s.deviceUs) ?? 0;
    if (n > 0) have.set(s.deviceUs, n - 1);
    else lost++;
  }
  return { sent, lost };
}

/**
 * When each sample really happened, monotonic ms, from the device's own log: a line is stamped with its moment
 * (a frame's exposure, a position's time) and leaves no sooner, so within a stretch of one device clock the
 * smallest emission − stamp is that clock's offset. A clock that jumps (wrap, restart) starts a new stretch.
 */
export function trueTimes(log: readonly LogRecord[]): Map<string, number> {
  const stretches: { t: number; deviceUs: string; offset: number }[][] = [];
  let last: number | undefined;
  for (const s of sentSamples(log)) {
    const offset = s.t - Number(s.deviceUs) / 1000;
    if (last === undefined || Math.abs(offset - last) > 1000) stretches.push([]);
    stretches.at(-1)?.push({ ...s, offset });
    last = offset;
  }
  const times = new Map<string, number>();
  for (const stretch of stretches) {
    const offset = Math.min(...stretch.map((x) => x.offset));
    for (const x of stretch) times.set(x.deviceUs, Number(x.deviceUs) / 1000 + offset);
  }
  return times;
}

/** Commands the device received (verbs) after monotonic time `t`. */
export const commandsAfter = (log: readonly LogRecord[], t: number) =>
  log.filter((r) => r.kind === "rx" && r.t > t).map((r) => r.text.split(" ")[1] ?? "");

// ---- the figures of the fault table -------------------------------------------------------------------------

export interface Figures {
  fault: string;
  lightsOffMs: number;
  samplesLost: number;
  samplesSent: number;
  exit: number | string;
  wallS: number;
}

export const measured: Figures[] = [];

export function printFigures(): void {
  if (measured.length === 0) return;
  const line = (f: Figures) =>
    `${f.fault.padEnd(48)} ${(Number.isNaN(f.lightsOffMs) ? "schedule" : Number.isFinite(f.lightsOffMs) ? f.lightsOffMs.toFixed(0) : "never").padStart(8)} ${`${f.samplesLost}/${f.samplesSent}`.padStart(12)} ${String(f.exit).padStart(6)} ${f.wallS.toFixed(1).padStart(6)}`;
  process.stdout.write(
    `\nPTY fault figures (lights off: ms from the fault until every channel was off, "schedule" where the light
rightly carries on; eye samples lost/sent before the fault; exit code; wall s of the scenario)\n${measured.map(line).join("\n")}\n`,
  );
}
