// Light safety of the compiled hokr-rig firmware on a simulated ATmega328P: the host-silence watchdog, and
// no light after any kind of reset (external, power-on, brown-out, hardware watchdog after a hang).
import { describe, expect, it } from "vitest";
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { FirmwareRig } from "../mocks/avr/firmware-rig.ts";
import type { ResetCause } from "../mocks/avr/simulated-uno.ts";

const cyclesPerMs = FIRMWARE.clockHz / 1e3;
const GATES = FIRMWARE.lightGatePins;
const LIGHT_PINS = [...FIRMWARE.lightGatePins, ...FIRMWARE.lightPowerPins];

function lit(): FirmwareRig {
  const rig = new FirmwareRig();
  rig.boot();
  return rig;
}

describe("host-silence watchdog", () => {
  it("switches every channel off WDG ms after the last command, reports W, and stays off", () => {
    const rig = lit();
    rig.command("WDG 100");
    rig.command("TRAIN 1 1000 3000 0 0 0");
    const last = rig.command("ON 0");
    const edges = rig.uno.recordPins(GATES);
    rig.runMs(400);
    const offCycle = Math.max(...edges.filter((e) => !e.high).map((e) => e.cycle));
    const afterLast = (offCycle - last.sentCycle) / cyclesPerMs;
    expect(afterLast).toBeGreaterThanOrEqual(100);
    expect(afterLast).toBeLessThan(101);
    for (const pin of GATES) expect(rig.uno.pinHigh(pin)).toBe(false);
    expect(edges.filter((e) => e.cycle > offCycle)).toEqual([]);
    const w = rig.linesFrom(0, "W ");
    expect(w).toHaveLength(1);
    // The W report carries the device time of the switch-off: the last E reports share it.
    const t = w[0]?.text.split(" ")[1];
    expect(rig.linesFrom(0, `E ${t} `).length).toBeGreaterThanOrEqual(1);
    // Commanded again, the light comes back.
    rig.command("ON 0");
    rig.runMs(1);
    expect(rig.uno.pinHigh(GATES[0])).toBe(true);
  });

  it("is 2000 ms from power-up", () => {
    const rig = lit();
    const on = rig.command("ON 1");
    const edges = rig.uno.recordPins([GATES[1]]);
    rig.runMs(2100);
    expect(edges).toHaveLength(1);
    const afterOn = ((edges[0]?.cycle ?? Number.NaN) - on.sentCycle) / cyclesPerMs;
    expect(afterOn).toBeGreaterThanOrEqual(2000);
    expect(afterOn).toBeLessThan(2001);
  });

  it("keeps the light on while the host PINGs every quarter of the watchdog time", () => {
    const rig = lit();
    rig.command("WDG 100");
    rig.command("ON 0");
    const edges = rig.uno.recordPins([GATES[0]]);
    for (let i = 0; i < 16; i++) {
      rig.runMs(25 - 1);
      rig.command("PING");
    }
    expect(edges).toEqual([]);
    rig.runMs(120);
    expect(rig.uno.pinHigh(GATES[0])).toBe(false);
  });

  it("can be disabled with WDG 0", () => {
    const rig = lit();
    rig.command("WDG 0");
    rig.command("ON 0");
    rig.runMs(2500);
    expect(rig.uno.pinHigh(GATES[0])).toBe(true);
    expect(rig.linesFrom(0, "W ")).toEqual([]);
  });
});

describe("after a reset every light pin is low", () => {
  it.each<[ResetCause, number, string]>([
    ["external", 0, "boot external-reset"],
    ["power-on", 0, "boot power-on"],
    ["brown-out", 5 * cyclesPerMs, "boot brown-out"],
  ])("%s reset with light on", (cause, holdCycles, message) => {
    const rig = lit();
    rig.command("PWR 0 12");
    rig.command("PWR 1 20");
    rig.command("ON 0");
    rig.command("TRAIN 1 200 400 0 0 0");
    rig.runMs(1);
    expect(rig.uno.pinHigh(GATES[0])).toBe(true);
    const edges = rig.uno.recordPins(LIGHT_PINS);
    const resetCycle = rig.uno.cycles;
    rig.uno.reset(cause, holdCycles);
    // Released at the reset (pins float onto their pull-downs), then driven low by the first instructions.
    for (const pin of LIGHT_PINS) expect(rig.uno.pinHigh(pin)).toBe(false);
    rig.uno.run(64);
    for (const pin of LIGHT_PINS) expect(rig.uno.pinDriven(pin), `pin ${pin} driven`).toBe(true);
    expect(rig.boot().text).toMatch(new RegExp(`^! \\d+ ${message}$`));
    rig.runMs(200);
    expect(edges.filter((e) => e.high)).toEqual([]);
    expect(edges.every((e) => e.cycle === resetCycle)).toBe(true);
    // Power is back at 0 too: a later ON must not inherit the old setting.
    for (const pin of FIRMWARE.lightPowerPins) expect(rig.uno.pinHigh(pin)).toBe(false);
  });

  it("a hung firmware is reset by the hardware watchdog within 250 ms, which puts the light out", () => {
    const rig = lit();
    rig.command("WDG 0");
    rig.command("ON 0");
    const edges = rig.uno.recordPins([GATES[0]]);
    const hangCycle = rig.uno.cycles;
    rig.uno.hang();
    rig.runMs(300);
    const off = edges.find((e) => !e.high);
    expect(off).toBeDefined();
    // avr8js's watchdog oscillator: 128 kHz, so WDTO_250MS is 32768 periods = 256 ms.
    expect(((off?.cycle ?? Number.NaN) - hangCycle) / cyclesPerMs).toBeLessThanOrEqual(256);
    expect(edges.filter((e) => e.high)).toEqual([]);
    expect(rig.linesFrom(0, "! ").at(-1)?.text).toMatch(/^! \d+ boot watchdog-reset$/);
  });
});
