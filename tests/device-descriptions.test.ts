// One description per device: what is derived from it is up to date (README tables, the firmware's header),
// and every implementation — host codec, simulated device, compiled firmware — keeps its ranges.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { DeviceDescription } from "../devices/description.ts";
import { DRUM, DRUM_LIMITS } from "../devices/drum/description.ts";
import { EYE_TRACKER } from "../devices/eye-tracker/description.ts";
import { RIG_CONTROLLER } from "../devices/firmware/description.ts";
import { FIRMWARE_HEADER, firmwareHeader, README, withWireTables } from "../devices/generate.ts";
import { lightCommands } from "../devices/light-source/codec.ts";
import { LIGHT_LIMITS, LIGHT_SOURCE } from "../devices/light-source/description.ts";
import { STRIPE_DISPLAY } from "../devices/stripe-display/description.ts";
import { WireError } from "../devices/wire.ts";
import { FirmwareRig } from "../mocks/avr/firmware-rig.ts";
import { SimulatedLightController } from "../mocks/devices/light-controller.ts";
import { SimulatedStimulusController } from "../mocks/devices/stimulus-controller.ts";
import { SimulatedLightSource, SimulatedStimulus } from "../mocks/simulated-rig.ts";
import { VirtualClock } from "../src/core/clock.ts";

const ALL: DeviceDescription[] = [LIGHT_SOURCE, DRUM, STRIPE_DISPLAY, EYE_TRACKER, RIG_CONTROLLER];

describe("derived from the descriptions", () => {
  it("README.md's wire-protocol tables are the generated ones (run `npm run describe` after a change)", () => {
    const readme = readFileSync(README, "utf8");
    expect(withWireTables(readme)).toBe(readme);
  });

  it("devices/firmware/description.h is the generated one (run `npm run describe`, then `npm run firmware`)", () => {
    expect(readFileSync(FIRMWARE_HEADER, "utf8")).toBe(firmwareHeader());
  });

  it("a README without the markers gets an error naming the device and the fix", () => {
    expect(() => withWireTables("# no tables")).toThrow(/no '<!-- wire-table hokr-light.*add them/);
  });

  it.each(ALL.map((d) => [d.device, d] as const))("%s: every range is a range", (_name, d) => {
    const fields = [
      ...Object.values(d.commands).flatMap((c) => [...c.args, ...(c.reply ?? [])]),
      ...Object.values(d.events).flatMap((e) => e.fields),
    ];
    for (const f of fields)
      if (f.min !== undefined && f.max !== undefined) expect(f.min).toBeLessThanOrEqual(f.max);
  });
});

/** A simulated line device's replies to command lines. */
function talk(device: SimulatedLightController | SimulatedStimulusController) {
  const out: string[] = [];
  device.attach((bytes) => out.push(...Buffer.from(bytes).toString("latin1").split("\n").filter(Boolean)));
  return async (line: string): Promise<string> => {
    const from = out.length;
    device.receive(Buffer.from(`${line}\n`, "latin1"));
    await Promise.resolve(); // replies leave in a microtask, as one USB packet
    return out.slice(from).find((l) => l.startsWith(line.split(" ")[0] as string)) ?? "";
  };
}

describe("one PWR range (0–20 mW) everywhere", () => {
  const max = LIGHT_LIMITS.maxPowerMw;

  it("host codec", () => {
    expect(lightCommands.decode("PWR", ["0", String(max)], "PWR")).toMatchObject({ powerMw: max });
    expect(() => lightCommands.decode("PWR", ["0", `${max}.001`], "PWR")).toThrow(WireError);
  });

  it("simulated controller", async () => {
    const clock = new VirtualClock();
    const light = new SimulatedLightSource(clock, [{ name: "blue", wavelengthNm: 470 }]);
    const send = talk(new SimulatedLightController(clock, light));
    expect(await send(`@1 PWR 0 ${max}`)).toMatch(/^@1 OK \d+$/);
    expect(await send(`@2 PWR 0 ${max}.001`)).toMatch(/^@2 ERR 2 /);
    expect(await send("@3 HELLO")).toMatch(/^@3 OK \d+ hokr-light 1 1$/);
  });

  it("compiled firmware on the emulated chip", () => {
    const rig = new FirmwareRig();
    rig.boot();
    expect(rig.command(`PWR 0 ${max}`).reply).toMatch(/^@\d+ OK \d+$/);
    expect(rig.command(`PWR 0 ${max}.001`).reply).toMatch(
      new RegExp(`^@\\d+ ERR 2 bad power \\(0-${max} mW\\)$`),
    );
    expect(rig.command("PWR 2 1").reply).toMatch(/^@\d+ ERR 2 bad channel$/);
    expect(rig.command("HELLO").reply).toMatch(
      new RegExp(`^@\\d+ OK \\d+ hokr-rig 1 2 ${DRUM_LIMITS.maxAmplitudeDeg}$`),
    );
  });
});

describe("one drum range everywhere", () => {
  it("simulated drum and compiled firmware take the description's amplitude and frequency range", async () => {
    const clock = new VirtualClock();
    const send = talk(new SimulatedStimulusController(clock, new SimulatedStimulus(clock)));
    const rig = new FirmwareRig();
    rig.boot();
    const { maxAmplitudeDeg: amp, minFrequencyHz: lo, maxFrequencyHz: hi } = DRUM_LIMITS;
    for (const [args, ok] of [
      [`${amp} ${hi}`, true],
      [`${amp} ${lo}`, true],
      [`${amp}.5 1`, false],
      [`10 ${hi}.5`, false],
      ["10 0", false],
    ] as const) {
      expect(await send(`@1 SINE ${args}`), `simulated SINE ${args}`).toMatch(ok ? /^@1 OK/ : /^@1 ERR 2/);
      expect(rig.command(`SINE ${args}`).reply, `firmware SINE ${args}`).toMatch(ok ? / OK / : / ERR 2 /);
    }
    expect(await send("@2 HELLO")).toMatch(new RegExp(`^@2 OK \\d+ hokr-drum 1 ${amp}$`));
  });
});
