// The drum side of the compiled hokr-rig firmware: the sinusoid it generates, its position reports (P) and
// the servo pulses it drives, against the closed form amp·sin(2π·f·(t − t0)) computed here in doubles.
import { describe, expect, it } from "vitest";
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { FirmwareRig, pulsesOf } from "../mocks/avr/firmware-rig.ts";

const cyclesPerUs = FIRMWARE.clockHz / 1e6;
const SERVO = FIRMWARE.servoPin;
const GATE0 = FIRMWARE.lightGatePins[0];
/** Half a servo tick of rounding, plus up to one instruction (≤ 5 cycles) of simulator delay per edge. */
const WIDTH_TOLERANCE_US = FIRMWARE.servoTickUs / 2 + (2 * 5) / cyclesPerUs;

const sine = (ampDeg: number, freqHz: number, t0Us: number) => (tUs: number) =>
  ampDeg * Math.sin(2 * Math.PI * freqHz * ((tUs - t0Us) / 1e6));

const replyTime = (reply: string): number => Number(/^@\d+ OK (\d+)/.exec(reply)?.[1] ?? Number.NaN);

const positionReports = (rig: FirmwareRig, from: number) =>
  rig.linesFrom(from, "P ").map((l) => {
    const [, t, pos] = l.text.split(" ");
    return { t: Number(t), pos: Number(pos) };
  });

/** Simulated µs minus device µs, from an ON/OFF pulse of light channel 0 (its E report vs its pin edge). */
function deviceClockOffset(rig: FirmwareRig): number {
  const edges = rig.uno.recordPins([GATE0]);
  const from = rig.lines.length;
  rig.command("ON 0");
  rig.command("OFF 0");
  rig.runMs(2);
  const t = Number(rig.linesFrom(from, "E ")[0]?.text.split(" ")[1]);
  return (edges[0]?.cycle ?? Number.NaN) / cyclesPerUs - t;
}

function booted(): FirmwareRig {
  const rig = new FirmwareRig();
  rig.boot();
  rig.command("WDG 0");
  return rig;
}

describe("drum sinusoid", () => {
  it("centres the servo (1500 µs pulses every 20 ms) from power-up", () => {
    const rig = booted();
    const edges = rig.uno.recordPins([SERVO]);
    rig.runMs(100);
    const pulses = pulsesOf(edges, SERVO);
    expect(pulses.length).toBeGreaterThanOrEqual(4);
    for (const p of pulses) expect(Math.abs(p.widthUs - FIRMWARE.servoCentreUs)).toBeLessThanOrEqual(0.5);
    pulses.slice(1).forEach((p, k) => {
      expect(
        Math.abs(p.startUs - (pulses[k]?.startUs ?? Number.NaN) - FIRMWARE.servoFrameUs),
      ).toBeLessThanOrEqual(0.5);
    });
  });

  it("reports amp·sin(2π·f·(t − t0)) at the RATE, from position 0 at the reply's t", () => {
    const rig = booted();
    rig.command("RATE 100");
    const from = rig.lines.length;
    // 3.7 Hz: a period of 270270.27 µs, so cycle starts carry a fractional µs.
    const t0 = replyTime(rig.command("SINE 12.5 3.7").reply);
    rig.runMs(2000);
    const reports = positionReports(rig, from);
    expect(reports.length).toBeGreaterThanOrEqual(199);
    const expected = sine(12.5, 3.7, t0);
    reports.forEach((r, k) => {
      expect(r.t).toBe(t0 + k * 10_000);
      expect(Math.abs(r.pos - expected(r.t))).toBeLessThanOrEqual(0.5e-4 + 1e-5); // 0.0001° grid
    });
    expect(reports[0]?.pos).toBe(0);
  });

  it("drives servo pulses of 1500 µs + 10 µs/° × position at each frame's start", () => {
    const rig = booted();
    const offset = deviceClockOffset(rig);
    const edges = rig.uno.recordPins([SERVO]);
    const t0 = replyTime(rig.command("SINE 45 2").reply);
    rig.runMs(1000);
    const position = sine(45, 2, t0);
    const frames = pulsesOf(edges, SERVO).filter((p) => p.startUs - offset > t0);
    expect(frames.length).toBeGreaterThanOrEqual(48);
    for (const f of frames) {
      const expectedUs = FIRMWARE.servoCentreUs + FIRMWARE.servoUsPerDeg * position(f.startUs - offset);
      // Rounded to the servo timer's 2 µs tick; the simulator moves each edge by up to one instruction.
      expect(Math.abs(f.widthUs - expectedUs)).toBeLessThanOrEqual(WIDTH_TOLERANCE_US);
    }
    // The servo swings over the full amplitude: 1050–1950 µs.
    const widths = frames.map((f) => f.widthUs);
    expect(Math.min(...widths)).toBeLessThan(1060);
    expect(Math.max(...widths)).toBeGreaterThan(1940);
  });

  it("STOP holds the position and ends the reports", () => {
    const rig = booted();
    rig.command("RATE 200");
    const t0 = replyTime(rig.command("SINE 30 0.5").reply);
    rig.runMs(300);
    const stop = rig.command("STOP");
    const tStop = replyTime(stop.reply);
    const held = FIRMWARE.servoCentreUs + FIRMWARE.servoUsPerDeg * sine(30, 0.5, t0)(tStop);
    const from = rig.lines.length;
    rig.runMs(50); // the frame prepared before STOP
    const edges = rig.uno.recordPins([SERVO]);
    rig.runMs(200);
    const frames = pulsesOf(edges, SERVO);
    expect(frames.length).toBeGreaterThanOrEqual(9);
    for (const f of frames) expect(Math.abs(f.widthUs - held)).toBeLessThanOrEqual(WIDTH_TOLERANCE_US);
    expect(positionReports(rig, from)).toEqual([]);
  });

  it("RATE changes the report interval of a running sinusoid", () => {
    const rig = booted();
    rig.command("SINE 5 1");
    rig.runMs(30);
    const from = rig.lines.length;
    const t = replyTime(rig.command("RATE 250").reply);
    rig.runMs(100);
    const times = positionReports(rig, from)
      .map((r) => r.t)
      .filter((tk) => tk >= t);
    expect(times.length).toBeGreaterThanOrEqual(25);
    times.forEach((tk, k) => {
      expect(tk).toBe(t + k * 4000);
    });
  });
});
