// The messages the dashboard server sends its pages (built in live-data.ts, drawn by dashboard.browser.ts).

export interface SessionMessage {
  kind: "session";
  dir: string;
  protocol: string;
  subject: string;
  clock: string;
  status: string;
  startedAt: string;
  durationS: number;
  trainingStartS: number;
  phases: { name: string; startS: number; endS: number; stimulusOn: boolean }[];
  lightWindows: { channel: string; startS: number; endS: number }[];
  /** Per device, once the session has ended (session.json has them then). */
  devices: Record<string, { rejectedLines: number; residualMs: number | null }>;
}

export interface LiveMessage {
  kind: "live";
  elapsedS: number;
  remainingS: number;
  phase: string;
  /** Shared time axis (s of session time) and the two traces on it; null where there is no sample. */
  trace: { t: number[]; eye: (number | null)[]; stimulus: (number | null)[] };
  /** New since the last message to this page. */
  cycles: { t_s: number; gain: number; good: boolean; phase: string }[];
  blocks: { t_s: number; gain: number; phase: string; quality: string }[];
  edges: { t_s: number; channel: string; on: boolean }[];
  faults: { t_s: number; device: string; message: string }[];
  tracker: { samplesPerS: number; lostFraction: number };
  watchdogTrips: number;
}
