// Device clock → session clock alignment, on synthetic timestamps with known offset, drift and latency.
import { describe, expect, it } from "vitest";
import { DeviceClockSync, JUMP_CONFIRM } from "../devices/clock-sync.ts";
import { RealClock } from "../src/core/clock.ts";
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
    const placed = sync.place(Math.round(trueDeviceUs) % UINT32, t + o.latency());
    if (!placed.ok) throw new Error(`rejected at ${t} ms: ${placed.reason}`);
    errors.push(placed.tMs - t);
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

describe("DeviceClockSync, robust to wrong timestamps (issue #12)", () => {
  /** 200 Hz for 2 min, latency 0.3 ms + jitter; `stamp` may corrupt sample k's device time. */
  function session(stamp: (k: number, trueUs: number) => number, seed = 4) {
    const r = new Random(seed);
    const sync = new DeviceClockSync();
    const placed: { k: number; t: number; p: ReturnType<DeviceClockSync["place"]> }[] = [];
    for (let k = 0; k * 5 <= 120_000; k++) {
      const t = k * 5;
      const trueUs = 4_290_000_000 + t * 1000 * (1 + 30e-6); // wraps 5 s in
      const deviceUs = ((Math.round(stamp(k, trueUs)) % UINT32) + UINT32) % UINT32;
      placed.push({ k, t, p: sync.place(deviceUs, t + 0.3 + r.exponential(1)) });
    }
    return { sync, placed };
  }
  const worst = (xs: { t: number; p: ReturnType<DeviceClockSync["place"]> }[]) =>
    Math.max(...xs.map(({ t, p }) => (p.ok ? Math.abs(p.tMs - t) : 0)));

  it("one far-future timestamp is rejected and moves no other sample; the fit reports it", () => {
    const clean = session((_, us) => us);
    const spoiled = session((k, us) => (k === 6000 ? us + 30e6 : us));
    const bad = spoiled.placed[6000]?.p;
    expect(bad?.ok).toBe(false);
    if (bad && !bad.ok) expect(bad.reason).toMatch(/ahead of the device's clock fit/);
    // Every other sample lands exactly where it lands without the outlier.
    for (const [i, c] of clean.placed.entries()) if (i !== 6000) expect(spoiled.placed[i]?.p).toEqual(c.p);
    expect(worst(spoiled.placed.slice(200))).toBeLessThan(1);
    expect(spoiled.sync.fit()).toMatchObject({ rejected: 1, restarts: 0 });
    expect(spoiled.sync.fit().residualMs).toBeLessThan(1);
  });

  it("a far-past timestamp (behind the previous line) is rejected too", () => {
    const { sync, placed } = session((k, us) => (k === 7000 ? us - 17e6 : us));
    expect(placed[7000]?.p.ok).toBe(false);
    expect(worst(placed.slice(200))).toBeLessThan(1);
    expect(sync.fit().rejected).toBe(1);
  });

  for (const [name, jumpUs] of [
    ["forward", 25e6],
    ["back", -40e6],
  ] as const)
    it(`a device clock that jumps ${name} for good starts a new fit after ${JUMP_CONFIRM} lines`, () => {
      const { sync, placed } = session((k, us) => (k >= 9000 ? us + jumpUs : us));
      const rejected = placed.filter((x) => !x.p.ok).map((x) => x.k);
      expect(rejected).toEqual([9000, 9001, 9002, 9003]);
      const confirmed = placed[9004]?.p;
      expect(confirmed?.ok && confirmed.jumpMs).toBeCloseTo(jumpUs / 1000, -1);
      // Before and after the jump, samples are placed to within 1 ms of the truth.
      expect(worst(placed.slice(200, 9000))).toBeLessThan(1);
      expect(worst(placed.slice(9300))).toBeLessThan(1);
      expect(sync.fit()).toMatchObject({ rejected: JUMP_CONFIRM - 1, restarts: 1 });
    });

  it("each kind of line runs forward on its own: a frame stamped at its exposure may precede a reply sent before it", () => {
    const sync = new DeviceClockSync();
    // A camera whose frames leave 12 ms after exposure (stamped at exposure), and a reply every second
    // stamped when sent: each frame after a reply carries a time up to 12 ms before the reply's.
    const boot = 1e9;
    const placed: { t: number; tMs: number }[] = [];
    for (let t = 0; t < 5000; t += 5) {
      if (t % 1000 === 0) expect(sync.place(boot + t * 1000, t + 0.3, "reply").ok).toBe(true);
      const p = sync.place(boot + (t - 12) * 1000, t + 0.3, "S");
      if (!p.ok) throw new Error(`frame at ${t} ms rejected: ${p.reason}`);
      placed.push({ t: t - 12, tMs: p.tMs });
    }
    // Placed at their exposure: the replies' quick round trip sets the envelope.
    expect(Math.max(...placed.slice(300).map((p) => Math.abs(p.tMs - p.t)))).toBeLessThan(1);
    // Within a kind of line, a time going back is still out of order…
    const back = sync.place(boot + 4900 * 1000, 5001, "S");
    expect(back.ok === false && back.reason).toMatch(/goes back 83\.0 ms from the previous line of its kind/);
    // …and so is any line more than the reporting delay (250 ms) before the device's latest line.
    const stale = sync.place(boot + 4600 * 1000, 5001, "E");
    expect(stale.ok === false && stale.reason).toMatch(/goes back 383\.0 ms from the previous line$/);
    expect(sync.fit().rejected).toBe(2);
  });

  it("restart() forgets the old relation (a reset device counts from 0 again)", () => {
    const sync = new DeviceClockSync();
    for (let t = 0; t < 5000; t += 10) sync.place(3e9 + t * 1000, t + 0.5);
    sync.restart();
    const placed = [];
    for (let t = 5000; t < 10_000; t += 10) placed.push(sync.place((t - 5000) * 1000 + 12, t + 0.5));
    expect(placed.every((p) => p.ok)).toBe(true);
    const last = placed.at(-1);
    expect(last?.ok && Math.abs(last.tMs - 9990)).toBeLessThan(1);
    expect(sync.fit().restarts).toBe(1);
  });
});

describe("DeviceClockSync on a busy host", () => {
  it("slow blocks (a host busy for seconds) neither raise the envelope nor pass for drift: lines stay within 1 ms", () => {
    const r = new Random(5);
    const sync = new DeviceClockSync();
    // 3 s of quick lines, 3 s in which every line waits 15–40 ms (a browser loading a page, say), 6 s quick.
    const latency = (t: number) => (t >= 3000 && t < 6000 ? 15 + 25 * r.uniform() : 0.2 + r.exponential(2));
    const errors: number[] = [];
    for (let t = 0; t < 12_000; t += 5) {
      const placed = sync.place((2e9 + t * 1000) % UINT32, t + latency(t));
      if (!placed.ok) throw new Error(placed.reason);
      errors.push(placed.tMs - t);
    }
    // Placed by the device's own time: a slow line is still put where it happened, during the burst and after.
    expect(Math.max(...errors.slice(200).map(Math.abs))).toBeLessThan(1);
    expect(sync.fit()).toMatchObject({ rejected: 0, restarts: 0 });
  });
});

describe("DeviceClockSync across the session's start", () => {
  it("keeps the relation learnt while connecting when the session clock's zero moves (RealClock.restartAtZero)", () => {
    const sync = new DeviceClockSync();
    // 4 s of connecting (handshake, PINGs, replies) on the clock as it read then: device = host + 7 s.
    for (let t = 0; t < 4000; t += 50) expect(sync.place((7000 + t) * 1000, t + 0.3).ok).toBe(true);
    const before = sync.fit();
    // The session starts 4 s in: host times read 4000 ms less from now on.
    sync.shiftSession(4000);
    const placed = [];
    for (let t = 4000; t < 8000; t += 5) placed.push(sync.place((7000 + t) * 1000, t - 4000 + 0.3));
    expect(placed.every((p) => p.ok)).toBe(true);
    const errors = placed.map((p, i) => (p.ok ? p.tMs - i * 5 : Number.NaN));
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.31);
    // Same fit, not a jump or a restart; nothing rejected.
    expect(sync.fit()).toMatchObject({ rejected: 0, restarts: 0 });
    expect(sync.fit().offsetMs).toBeCloseTo(before.offsetMs - 4000, 1);
  });

  it("the session clock tells every port when its zero moves", () => {
    const clock = new RealClock();
    const moved: number[] = [];
    const stop = clock.onZeroMoved((ms) => moved.push(ms));
    const spin = performance.now() + 5;
    while (performance.now() < spin);
    clock.restartAtZero();
    stop();
    clock.restartAtZero();
    clock.stop();
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBeGreaterThanOrEqual(5);
  });
});
