// Light pulse trains of the compiled hokr-rig firmware, measured at the gate pins of a simulated ATmega328P
// in CPU cycles (16 MHz). The firmware's timer tick is 4 µs: every width and period must be within one tick
// of the command, and pulse k must start within one tick of t + k·period (no drift over a train).
import { describe, expect, it } from "vitest";
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { FirmwareRig, pulsesOf } from "../mocks/avr/firmware-rig.ts";

const [GATE0, GATE1] = FIRMWARE.lightGatePins;
const TICK = FIRMWARE.tickUs;

function bootedRig(): FirmwareRig {
  const rig = new FirmwareRig();
  rig.boot();
  rig.command("WDG 0"); // these tests are about timing, not the host watchdog
  return rig;
}

const okTime = (reply: string): number => {
  const m = /^@\d+ OK (\d+)$/.exec(reply);
  if (!m) throw new Error(`expected '@id OK t', got '${reply}'`);
  return Number(m[1]);
};

describe("TRAIN pulse width and period (one tick = 4 µs)", () => {
  // Periods that are not multiples of the tick check the rounding. Edges further away than one 262 144 µs
  // round of the 16-bit timer are reached in several compare matches: the third case ends one tick past a
  // round, the last waits out several rounds per edge.
  it.each([
    // The shortest pulse and dark time the firmware accepts: the compare ISR re-arms within 100 µs.
    { channel: 1, widthUs: FIRMWARE.minEdgeSpacingUs, periodUs: 2 * FIRMWARE.minEdgeSpacingUs, pulses: 200 },
    { channel: 0, widthUs: 1000, periodUs: 2002, pulses: 20 },
    { channel: 1, widthUs: 10_000, periodUs: 25_001, pulses: 8 },
    { channel: 0, widthUs: 262_148, periodUs: 524_293, pulses: 3 },
    { channel: 1, widthUs: 1_000_000, periodUs: 1_100_000, pulses: 2 },
  ])("channel $channel: $widthUs µs every $periodUs µs", ({ channel, widthUs, periodUs, pulses }) => {
    const rig = bootedRig();
    const pin = FIRMWARE.lightGatePins[channel] as number;
    const edges = rig.uno.recordPins([pin]);
    rig.command(`TRAIN ${channel} ${widthUs} ${periodUs} 0 0 0`);
    rig.runMs(((pulses - 1) * periodUs + widthUs) / 1000 + 1);
    rig.command(`OFF ${channel}`);

    const measured = pulsesOf(edges, pin).slice(0, pulses);
    expect(measured).toHaveLength(pulses);
    const first = measured[0]?.startUs ?? Number.NaN;
    measured.forEach((p, k) => {
      expect(Math.abs(p.widthUs - widthUs)).toBeLessThanOrEqual(TICK);
      // Against the exact schedule: rounding to the tick grid, plus the simulator's instruction granularity.
      expect(Math.abs(p.startUs - first - k * periodUs)).toBeLessThanOrEqual(TICK / 2 + 0.5);
      const next = measured[k + 1];
      if (next) expect(Math.abs(next.startUs - p.startUs - periodUs)).toBeLessThanOrEqual(TICK);
    });
  });

  it("keeps the jitter (max − min period) of 1000 pulses ≤ 4 µs while the serial line is saturated", () => {
    const rig = bootedRig();
    const edges = rig.uno.recordPins([GATE0]);
    let txBytes = 0;
    rig.uno.onTransmit(() => txBytes++);
    // Full-rate telemetry: the other channel's edges, position reports at 1 kHz and this train's own edges
    // ask for more than 115200 baud carries.
    rig.command("RATE 1000");
    rig.command("SINE 20 2");
    rig.command("TRAIN 1 300 700 0 0 0");
    const startCycle = rig.uno.cycles;
    txBytes = 0;
    rig.command("TRAIN 0 1000 2000 0 0 0");
    rig.runMs(1000 * 2 + 1);
    const seconds = (rig.uno.cycles - startCycle) / FIRMWARE.clockHz;

    const pulses = pulsesOf(edges, GATE0).slice(0, 1001);
    expect(pulses).toHaveLength(1001);
    const periods = pulses.slice(1).map((p, k) => p.startUs - (pulses[k]?.startUs ?? Number.NaN));
    expect(Math.max(...periods) - Math.min(...periods)).toBeLessThanOrEqual(4);
    for (const p of pulses) expect(Math.abs(p.widthUs - 1000)).toBeLessThanOrEqual(TICK);
    // The line really was busy: ≥ 85 % of its character slots used (the simulated UART is not double-buffered,
    // so the transmit ISR's latency leaves small gaps between characters).
    expect((txBytes * rig.uno.cyclesPerChar) / FIRMWARE.clockHz / seconds).toBeGreaterThan(0.85);
  });
});

describe("TRAIN structure", () => {
  it("repeats `trains` trains of train_us with gap_us between them, then stays off", () => {
    const rig = bootedRig();
    const edges = rig.uno.recordPins([GATE1]);
    // 20 ms trains of 5 ms-period pulses (4 pulses: onsets at 0, 5, 10, 15 ms), 30 ms dark, 3 trains.
    const t = okTime(rig.command("TRAIN 1 1000 5000 20000 30000 3").reply);
    rig.runMs(200);
    const pulses = pulsesOf(edges, GATE1);
    expect(pulses).toHaveLength(12);
    const first = pulses[0]?.startUs ?? Number.NaN;
    const expected = [0, 1, 2].flatMap((train) => [0, 1, 2, 3].map((k) => train * 50_000 + k * 5000));
    pulses.forEach((p, i) => {
      expect(Math.abs(p.startUs - first - (expected[i] ?? Number.NaN))).toBeLessThanOrEqual(TICK / 2 + 0.5);
    });
    expect(rig.uno.pinHigh(GATE1)).toBe(false);
    // The first pulse starts one lead time after the command ran (the reply's t), and the device reports every
    // edge of the trains.
    const reports = rig.linesFrom(0, "E ").map((l) => l.text.split(" ").slice(1).map(Number));
    expect(reports).toHaveLength(24);
    expect(reports[0]).toEqual([t + FIRMWARE.trainLeadUs, 1, 1]);
  });

  it("runs the two channels independently; OFF stops one", () => {
    const rig = bootedRig();
    const edges = rig.uno.recordPins([GATE0, GATE1]);
    rig.command("TRAIN 0 2000 5000 0 0 0");
    rig.command("TRAIN 1 700 3000 0 0 0");
    rig.runMs(60);
    const off = rig.command("OFF 0");
    rig.runMs(30);
    const [sentUs, offUs] = [off.sentCycle, off.replyCycle].map((c) => c / (FIRMWARE.clockHz / 1e6)) as [
      number,
      number,
    ];
    const a = pulsesOf(edges, GATE0);
    const b = pulsesOf(edges, GATE1);
    // OFF may cut channel 0's last pulse short; every other pulse is whole.
    const whole = a.filter((p) => p.startUs + p.widthUs < sentUs);
    expect(whole.length).toBeGreaterThanOrEqual(11);
    for (const p of whole) expect(Math.abs(p.widthUs - 2000)).toBeLessThanOrEqual(TICK);
    expect(edges.filter((e) => e.pin === GATE0 && e.cycle / (FIRMWARE.clockHz / 1e6) > offUs)).toEqual([]);
    expect(rig.uno.pinHigh(GATE0)).toBe(false);
    expect(b.filter((p) => p.startUs > offUs).length).toBeGreaterThanOrEqual(9);
    for (const p of b) expect(Math.abs(p.widthUs - 700)).toBeLessThanOrEqual(TICK);
  });
});
