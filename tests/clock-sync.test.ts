// Device clock → session clock alignment, on synthetic timestamps with known offset, drift and latency.
import { describe, expect, it } from "vitest";
import { DeviceClockSync } from "../devices/clock-sync.ts";
import { Random } from "../src/core/random.ts";

const UINT32 = 2 ** 32;

/** A device whose crystal runs `ppm` fast, booted `bootUs` before the session, lines delayed by `latency`. */
function observe(
  sync: DeviceClockSync,
  o: { ppm: number; bootUs: number; fromMs: number; toMs: number; stepMs: number; latency: () => number },
) {
  const errors: number[] = [];
  for (let t = o.fromMs; t <= o.toMs; t += o.stepMs) {
    const trueDeviceUs = o.bootUs + t * 1000 * (1 + o.ppm * 1e-6);
    const deviceMs = sync.observe(Math.round(trueDeviceUs) % UINT32, t + o.latency());
    errors.push(sync.toSessionMs(deviceMs) - t);
  }
  return errors;
}

describe("DeviceClockSync", () => {
  it("recovers offset and drift from jittery latencies and maps device times to within 1 ms", () => {
    const r = new Random(3);
    const sync = new DeviceClockSync();
    // 80 ppm fast crystal, latency 0.2 ms + exponential jitter (mean 2 ms), 200 Hz for 10 min.
    const errors = observe(sync, {
      ppm: 80,
      bootUs: 1e9,
      fromMs: 0,
      toMs: 600_000,
      stepMs: 5,
      latency: () => 0.2 + r.exponential(0.5),
    });
    const fit = sync.fit();
    // host = device·(1 − 80e-6) + offset ⇒ fitted drift ≈ −80 ppm
    expect(fit.driftPpm).toBeCloseTo(-80, 0);
    expect(fit.residualMs).toBeLessThan(0.5);
    const late = errors.slice(errors.length / 2);
    expect(Math.max(...late.map(Math.abs))).toBeLessThan(1);
  });

  it("unwraps the 32-bit µs counter, even across a silence longer than half its 71.6 min period", () => {
    const sync = new DeviceClockSync();
    const latency = () => 1;
    // Training: device at 4.0e9 µs, wraps 4.95 min in.
    const e1 = observe(sync, { ppm: 0, bootUs: 4.0e9, fromMs: 0, toMs: 900_000, stepMs: 10, latency });
    // 60 min of rest with no lines, then the test.
    const e2 = observe(sync, {
      ppm: 0,
      bootUs: 4.0e9,
      fromMs: 4_500_000,
      toMs: 4_560_000,
      stepMs: 10,
      latency,
    });
    for (const e of [...e1, ...e2]) expect(Math.abs(e)).toBeLessThanOrEqual(1.0001);
  });
});
