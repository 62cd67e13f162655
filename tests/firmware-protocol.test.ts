// The compiled hokr-rig firmware speaks README.md, "Wire protocols" ("Combined rig controller"): one reply per
// command, in order, ERR codes for unknown verbs and bad arguments, and edge reports whose device timestamps
// match the edges measured at the pins.
import { beforeAll, describe, expect, it } from "vitest";
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { FirmwareRig } from "../mocks/avr/firmware-rig.ts";

const cyclesPerUs = FIRMWARE.clockHz / 1e6;
const [GATE0, GATE1] = FIRMWARE.lightGatePins as unknown as [number, number];
const [POWER0] = FIRMWARE.lightPowerPins as unknown as [number, number];

describe("hokr-rig protocol", () => {
  let rig: FirmwareRig;
  beforeAll(() => {
    rig = new FirmwareRig();
    expect(rig.boot().text).toMatch(/^! \d+ boot power-on$/);
    rig.command("WDG 0");
  });

  it("identifies itself with its channel count and largest drum amplitude", () => {
    expect(rig.command("HELLO").reply).toMatch(/^@\d+ OK \d+ hokr-rig 1 2 90$/);
  });

  it("acknowledges every command of both sets with OK and a device time that never goes back", () => {
    const commands = [
      "PING",
      "PWR 0 5.5",
      "PWR 1 0",
      "ON 1",
      "OFF 1",
      "ALLOFF",
      "TRAIN 0 1000 2000 0 0 0",
      "OFF 0",
      "WDG 0",
      "RATE 50",
      "SINE 10 0.5",
      "STOP",
      "PWR 0 0",
    ];
    let last = 0;
    for (const c of commands) {
      const { reply } = rig.command(c);
      const m = /^@(\d+) OK (\d+)$/.exec(reply);
      expect(m, `${c} → ${reply}`).not.toBeNull();
      const t = Number(m?.[2]);
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
  });

  it.each([
    ["FLY 1", 1],
    ["SF 0.1", 1], // stripe displays only
    ["ON 2", 2],
    ["ON", 2],
    ["ON 0 1", 2],
    ["ON -1", 2],
    ["PWR 0 20.5", 2],
    ["PWR 1 nan", 2],
    ["PWR 0 1e1", 2],
    ["TRAIN 0 1000 1000 0 0 0", 2], // width ≥ period
    [`TRAIN 0 ${FIRMWARE.minEdgeSpacingUs - 1} 1000 0 0 0`, 2], // shorter than the 100 µs minimum
    [`TRAIN 0 1000 ${1000 + FIRMWARE.minEdgeSpacingUs - 1} 0 0 0`, 2], // 99 µs dark
    ["TRAIN 0 1000 2000 9000 50 2", 2], // the last pulse (8–9 ms) runs into the next train (9.05 ms)
    ["WDG 3600001", 2],
    ["SINE 90.5 1", 2],
    ["SINE 10 0", 2],
    ["SINE 10 5.01", 2],
    ["RATE 0.5", 2],
    ["RATE 1001", 2],
  ])("rejects '%s' with ERR %i and changes nothing", (command, code) => {
    const edges = rig.uno.recordPins([GATE0, GATE1, POWER0]);
    expect(rig.command(command).reply).toMatch(new RegExp(`^@\\d+ ERR ${code} \\S`));
    rig.runMs(3);
    expect(edges).toEqual([]);
  });

  it("answers in order and keeps ids, with several commands in one burst", () => {
    const from = rig.lines.length;
    rig.send("@101 PING\n@102 FLY\n@103 HELLO\r\n@104 ON 9\n");
    rig.runMs(15);
    const replies = rig.linesFrom(from, "@").map((l) => l.text);
    expect(replies).toEqual([
      expect.stringMatching(/^@101 OK \d+$/),
      "@102 ERR 1 unknown verb",
      expect.stringMatching(/^@103 OK \d+ hokr-rig /),
      "@104 ERR 2 bad channel",
    ]);
  });

  it("reports lines that are not commands, and overlong lines, as device messages", () => {
    const from = rig.lines.length;
    rig.send(`PING\n@0 PING\n@${"9".repeat(130)}\n`);
    rig.runMs(25);
    const messages = rig.linesFrom(from, "!").map((l) => l.text.replace(/^! \d+ /, ""));
    expect(messages).toEqual([
      "no @<id> <VERB> command",
      "no @<id> <VERB> command",
      "line longer than 120 bytes",
    ]);
    expect(rig.linesFrom(from, "@")).toEqual([]);
  });

  it("reports every edge, ON/OFF and pulses, with the device time at which the pin changed", () => {
    const edges = rig.uno.recordPins([GATE0, GATE1]);
    const from = rig.lines.length;
    rig.command("ON 1");
    rig.command("TRAIN 0 500 1500 0 0 0");
    rig.runMs(10);
    rig.command("ALLOFF");
    rig.runMs(5);
    const reports = rig.linesFrom(from, "E ").map((l) => {
      const [, t, ch, level] = l.text.split(" ").map(Number);
      return { t: t as number, pin: ch === 0 ? GATE0 : GATE1, high: level === 1 };
    });
    expect(reports.map(({ pin, high }) => ({ pin, high }))).toEqual(
      edges.map(({ pin, high }) => ({ pin, high })),
    );
    // Device µs and CPU cycles differ by a constant offset (the device clock starts at setup()).
    const offsets = reports.map((r, i) => (edges[i]?.cycle ?? Number.NaN) / cyclesPerUs - r.t);
    const first = offsets[0] ?? Number.NaN;
    for (const o of offsets) expect(Math.abs(o - first)).toBeLessThanOrEqual(FIRMWARE.tickUs);
    // Pulse edges come from the compare hardware: exactly on the device clock, to the simulator's cycle.
    const pulseOffsets = offsets.filter((_, i) => reports[i]?.pin === GATE0 && i > 0);
    for (const o of pulseOffsets)
      expect(Math.abs(o - (pulseOffsets[0] ?? Number.NaN))).toBeLessThanOrEqual(0.5);
  });

  it("starts a train's first pulse one lead time after the command ran (the reply's t)", () => {
    const edges = rig.uno.recordPins([GATE0]);
    const from = rig.lines.length;
    const { reply, sentCycle } = rig.command("TRAIN 0 1000 3000 0 0 0");
    rig.runMs(5);
    rig.command("OFF 0");
    const t = Number(reply.split(" ")[2]);
    const onset = Number(rig.linesFrom(from, "E ")[0]?.text.split(" ")[1]);
    expect(onset - t).toBeGreaterThanOrEqual(FIRMWARE.trainLeadUs);
    expect(onset - t).toBeLessThanOrEqual(FIRMWARE.trainLeadUs + FIRMWARE.tickUs);
    const latencyUs = ((edges[0]?.cycle ?? Number.NaN) - sentCycle) / cyclesPerUs;
    expect(latencyUs).toBeGreaterThanOrEqual(FIRMWARE.trainLeadUs);
    expect(latencyUs).toBeLessThan(FIRMWARE.trainLeadUs + 500);
  });

  it("starts a train sent ahead at its start_us, to the tick; a start already past at once", () => {
    const from = rig.lines.length;
    const t = Number(rig.command("TRAIN 0 1000 3000 0 0 0 0").reply.split(" ")[2]);
    // 300 ms ahead: beyond one Timer1 round (262 ms), so the wait crosses rounds; not on the tick grid.
    const startUs = (t + 300_001) % 2 ** 32;
    const sent = Number(rig.command(`TRAIN 0 1000 3000 0 0 0 ${startUs}`).reply.split(" ")[2]);
    rig.runMs(310);
    rig.command("OFF 0");
    const onsets = rig
      .linesFrom(from, "E ")
      .map((l) => l.text.split(" ").map(Number))
      .filter(([, , , on]) => on === 1)
      .map(([, us]) => us as number);
    // The start "0" lay in the past: the first train started at once (and was replaced by the second).
    expect((onsets[0] as number) - t).toBeLessThanOrEqual(FIRMWARE.trainLeadUs + FIRMWARE.tickUs);
    const later = onsets.filter((us) => us > sent);
    expect(Math.abs((later[0] as number) - startUs)).toBeLessThanOrEqual(FIRMWARE.tickUs / 2);
    expect(later.length).toBeGreaterThanOrEqual(3);
  });

  it("sets the light power as the PWM duty of the channel's power pin (0 and full scale steady)", () => {
    const duty = (mw: string): number => {
      rig.command(`PWR 0 ${mw}`);
      rig.runMs(3); // let the new duty take effect
      const edges = rig.uno.recordPins([POWER0]);
      const startHigh = rig.uno.pinHigh(POWER0);
      const start = rig.uno.cycles;
      rig.uno.run(20 * 256 * 64); // 20 whole PWM periods (Timer0: 256 ticks of 64 cycles)
      const end = rig.uno.cycles;
      let high = 0;
      let level = startHigh;
      let at = start;
      for (const e of edges) {
        if (level) high += e.cycle - at;
        level = e.high;
        at = e.cycle;
      }
      if (level) high += end - at;
      return high / (end - start);
    };
    expect(duty("0")).toBe(0);
    expect(duty("20")).toBe(1);
    for (const mw of [2.5, 10, 15]) {
      // Timer0 fast PWM with OCR0A = round(255·P/full scale): high for OCR0A + 1 of every 256 ticks on the
      // chip (datasheet), OCR0A ticks in avr8js; either is within one PWM step of P/full scale.
      const ocr = Math.round((255 * mw) / FIRMWARE.powerFullScaleMw);
      expect(Math.abs(duty(String(mw)) - (ocr + 0.5) / 256)).toBeLessThanOrEqual(0.5 / 256 + 1e-4);
    }
    rig.command("PWR 0 0");
  });
});
