// The session folder format. session.json is rewritten atomically at start and end; the other files are
// append-only and flushed at least every 250 ms, so a session killed at any moment keeps everything up to
// the last flush and still reads back (its status stays "running": incomplete).
//
//   session.json   SessionMeta (below): protocol as run + hash, rig, subject, software, times, status, summary
//   events.jsonl   one SessionEvent per line, t in s of session time
//   eye.tsv        t_us (device time on the session clock, µs)  device_us (device's own clock)
//                  host_us (session clock when received)  x_deg (NaN = pupil lost)
//   stimulus.tsv   t_us  device_us  host_us  position_deg
//   gain.tsv       one row per block (see gain-table.ts)
// A scratch folder (a temporary cohort animal's, read back for its gain table and removed) has no eye.tsv or
// stimulus.tsv: RunOptions.scratch.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { GainBlock } from "../analysis/gain-block.ts";
import { AnalysisSettings } from "../analysis/settings.ts";
import { FileProblem, readJsonFile } from "../config/json-file.ts";
import { RigConfig } from "../config/rig-config.ts";
import { Protocol } from "../protocol/schema.ts";
import { SessionTimeline } from "../protocol/session-timeline.ts";
import { parseGainTable } from "./gain-table.ts";

export const SESSION_FILES = {
  meta: "session.json",
  events: "events.jsonl",
  eye: "eye.tsv",
  stimulus: "stimulus.tsv",
  gain: "gain.tsv",
} as const;

const maybeNumber = z.number().nullable();

export const SessionMeta = z.object({
  format: z.literal("hokr-session/1"),
  status: z.enum(["running", "complete", "interrupted", "failed"]),
  protocolFile: z.string(),
  protocolHash: z.string(),
  protocol: Protocol,
  rig: RigConfig,
  subject: z.object({
    id: z.string(),
    flags: z.array(z.string()),
    seed: z.number().int().nullable(),
    simulated: z.boolean(),
  }),
  software: z.object({ name: z.string(), version: z.string(), node: z.string() }),
  clock: z.enum(["virtual", "real"]),
  analysis: AnalysisSettings,
  /** The session folder this one replays, if it is a replay. */
  replayOf: z.string().optional(),
  /** Wall-clock start (ISO 8601); everything else is session time. */
  startedAt: z.string(),
  endedAt: z.string().optional(),
  timeline: SessionTimeline,
  end: z.object({ reason: z.string(), sessionS: z.number() }).optional(),
  summary: z
    .object({
      blocks: z.number().int(),
      firstTrainingGain: maybeNumber,
      lastTrainingGain: maybeNumber,
      testGain: maybeNumber,
      onlineLearning: maybeNumber,
      offlineLearning: maybeNumber,
    })
    .optional(),
  /** Per device: port, malformed lines rejected, clock alignment (offset, drift, residual error). */
  devices: z
    .record(
      z.string(),
      z.object({
        port: z.string(),
        /** What the device answered to HELLO (kind, protocol version, …), when it has a handshake. */
        identity: z.array(z.string()).optional(),
        rejectedLines: z.number().int(),
        /** Clock alignment: offset, drift, RMS residual of the kept block minima; timestamps rejected as
         * out of line with the device's clock, and times the fit started again (reset, reconnect, jump). */
        clock: z
          .object({
            offsetMs: z.number(),
            driftPpm: z.number(),
            /** null: no block minimum yet since the fit last started (a device that just reset). */
            residualMs: z.number().nullable(),
            blocks: z.number(),
            rejected: z.number().int().optional(),
            restarts: z.number().int().optional(),
          })
          .optional(),
        /** What the device said besides data, counted by kind (messages, watchdog trips, tracker status, resets, …). */
        notes: z.record(z.string(), z.number().int()).optional(),
        /** A display's frames shown and dropped (the stripe page). */
        frames: z.object({ frames: z.number().int(), dropped: z.number().int() }).optional(),
      }),
    )
    .optional(),
});
export type SessionMeta = z.infer<typeof SessionMeta>;

export interface SessionFolder {
  dir: string;
  meta: SessionMeta;
  /** False when the session did not finish (killed, interrupted, failed): its data end early. */
  complete: boolean;
  blocks: GainBlock[];
}

export function readSessionFolder(dir: string): SessionFolder {
  const meta = readJsonFile(join(dir, SESSION_FILES.meta), SessionMeta);
  const gainFile = join(dir, SESSION_FILES.gain);
  let text: string;
  try {
    text = readFileSync(gainFile, "utf8");
  } catch {
    throw new FileProblem(gainFile, ["missing; is this a hokr session folder?"]);
  }
  return { dir, meta, complete: meta.status === "complete", blocks: parseGainTable(text, gainFile) };
}
