// Protocols that run in seconds on the virtual clock, for tests of whole sessions.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A short protocol (100 s of session time) with light pulses, so every part of the page has data. */
export const SHORT_PROTOCOL = {
  name: "short",
  stimulus: { kind: "drum", amplitudeDeg: 10, frequencyHz: 0.5 },
  phases: [
    { name: "training", durationS: 60, stimulus: { on: true }, cyclesPerBlock: 5 },
    { name: "rest", durationS: 20, stimulus: { on: false } },
    { name: "test", cycles: 10, stimulus: { on: true }, cyclesPerBlock: 5 },
  ],
  light: [
    {
      channel: "blue",
      opsin: "ChR2",
      wavelengthNm: 470,
      powerMw: 3,
      window: { phase: "training", startOffsetS: 0, endOffsetS: 0 },
      pattern: { kind: "pulses", pulseWidthMs: 500, periodMs: 2000 },
    },
  ],
};

/**
 * The shipped protocols (protocols/*.json) written to `dir` with the rest after training cut to `restS` and,
 * when `trainingS` is given, the training too (the test and every light window as shipped; each window spans
 * its whole phase, so it shortens with it): for whole-session tests whose claim does not depend on how long
 * the rest is (determinism, serial vs in-process, replay exactness, gain recovery), at a quarter of the
 * simulated time — or on how long either is (determinism, serial vs in-process), at a tenth. Returns `dir`,
 * usable as a cohort's protocol folder.
 */
export function shortRestProtocols(dir: string, restS = 300, trainingS?: number): string {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync("protocols")) {
    if (!file.endsWith(".json") || file === "protocol.schema.json") continue;
    const protocol = JSON.parse(readFileSync(join("protocols", file), "utf8")) as {
      phases: { name: string; durationS?: number }[];
    };
    const phase = (name: string) => {
      const p = protocol.phases.find((q) => q.name === name);
      if (p?.durationS === undefined) throw new Error(`protocols/${file}: no ${name} phase to shorten`);
      return p;
    };
    phase("rest").durationS = restS;
    if (trainingS !== undefined) phase("training").durationS = trainingS;
    writeFileSync(join(dir, file), JSON.stringify(protocol));
  }
  return dir;
}
