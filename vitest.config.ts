import { configDefaults, defineConfig } from "vitest/config";

/**
 * Tests whose outcome depends on wall-clock timing (the real clock, a browser's frames, signals on a running
 * session, a device watchdog): they run after the others, one file at a time, so no other test competes with
 * them for the CPU.
 */
const REAL_TIME = [
  "tests/real-clock.test.ts",
  "tests/real-rig.test.ts",
  "tests/interrupted-session.test.ts",
  "tests/rig-stops.test.ts",
  "tests/dashboard.test.ts",
  "tests/stripe-page.test.ts",
  "tests/stripe-session.test.ts",
];

/**
 * The fault suite over real pseudo-terminals (socat, the native serial binding, devices as processes): not part
 * of `npm test`, which needs Node only; `npm run test:pty` runs it, and CI runs both.
 */
const PTY = ["tests/pty/**/*.test.ts"];

export default defineConfig({
  test: {
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
