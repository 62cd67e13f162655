import { configDefaults, defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Tests whose outcome depends on wall-clock timing (the real clock, a browser's frames, signals on a running
 * session, a device watchdog): they run after the others, one file at a time, so no other test competes with
 * them for the CPU. Not here: the dashboard's test, whose session is paced by the wall clock (`--speed`) but
 * whose checks do not depend on timing (the page's state while the session is in training, records identical
 * with and without a dashboard); it waits most of its time, so it runs among the simulated files.
 */
const REAL_TIME = [
  "tests/real-clock.test.ts",
  "tests/real-rig.test.ts",
  "tests/interrupted-session.test.ts",
  "tests/rig-stops.test.ts",
  "tests/stripe-page.test.ts",
  "tests/stripe-session.test.ts",
];

/**
 * The fault suite over real pseudo-terminals (socat, the native serial binding, devices as processes): not part
 * of `npm test`, which needs Node only; `npm run test:pty` runs it, and CI runs both.
 */
const PTY = ["tests/pty/**/*.test.ts"];

/**
 * The files that take longest, longest first (seconds on the 2-core machine, in a whole run): the study's
 * cohort (~60 s, on two worker threads of its own), the dashboard's paced session (~15 s, mostly waiting,
 * so it runs beside the study), the small cohorts (~35 s), then 10–15 s each.
 */
const LONGEST = [
  "tests/study.test.ts",
  "tests/dashboard.test.ts",
  "tests/cohort.test.ts",
  "tests/fitting-cli.test.ts",
  "tests/replay.test.ts",
  "tests/firmware-session.test.ts",
];

/**
 * Starts the longest files first, so no long file is left running alone at the end. Vitest's own order puts
 * the longest first only where it has timed a file before; on a fresh clone (CI) it goes by file size, and the
 * study, a short file, came late and ran on alone.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((path) => f.moduleId.endsWith(path));
      return i < 0 ? LONGEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: "simulated",
          include: ["tests/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...REAL_TIME, ...PTY],
          // Both cores (vitest leaves one idle by default): these run on virtual clocks or wait on child processes.
          maxWorkers: 2,
          // Files share their worker's module graph instead of re-importing it (~100 modules each, most of a
          // short file's time); test files keep no state in modules between them (no vi.mock, no fake timers).
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        // One file at a time; like the simulated files they share their worker's module graph (isolate: false).
        test: {
          name: "real-time",
          include: REAL_TIME,
          maxWorkers: 1,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      { extends: true, test: { name: "pty", include: PTY, maxWorkers: 1, sequence: { groupOrder: 2 } } },
    ],
  },
});
