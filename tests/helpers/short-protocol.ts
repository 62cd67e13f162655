// A protocol that runs in seconds on the virtual clock, for tests of whole sessions through the command line.

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
