// A session's timeline as session.json stores it: what ran when. One schema, read by the analysis
// (online/offline learning, src/analysis/learning.ts), the fitter and replay; written from a protocol's timeline.
import { z } from "zod";
import type { Timeline } from "./timeline.ts";

/**
 * session.json's timeline: what ran when, in s since session start. The one description of a session's
 * phases that analysis (online/offline learning, src/analysis/learning.ts) and fitting read.
 */
export const SessionTimeline = z.object({
  durationS: z.number(),
  /** Start of the training phase; gain-table times are relative to it. */
  trainingStartS: z.number(),
  phases: z.array(
    z.object({ name: z.string(), startS: z.number(), endS: z.number(), stimulusOn: z.boolean() }),
  ),
});
export type SessionTimeline = z.infer<typeof SessionTimeline>;

/** The session timeline of a protocol's timeline: a phase has the stimulus on when it has stimulus settings. */
export const sessionTimeline = (t: Timeline): SessionTimeline => ({
  durationS: t.durationS,
  trainingStartS: t.trainingStartS,
  phases: t.phases.map((p) => ({
    name: p.name,
    startS: p.startS,
    endS: p.endS,
    stimulusOn: p.stimulus !== null,
  })),
});
