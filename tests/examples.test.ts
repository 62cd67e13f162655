// The rig configurations shipped in examples/ (the README's starting points for wiring a real rig) stay valid:
// each passes `hokr validate` as a user runs it, and every shipped protocol fits each rig's light limits.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readJsonFile } from "../src/config/json-file.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { RigConfig } from "../src/rig/rig-config.ts";
import { runCli } from "./helpers/cli.ts";

const rigs = readdirSync("examples").filter((f) => /^rig.*\.json$/.test(f));
const protocols = readdirSync("protocols").filter((f) => f.endsWith(".json") && !f.includes("schema"));

describe("examples/", () => {
  it("ships a line-protocol rig and a StandardFirmata rig", () => {
    expect(rigs).toEqual(expect.arrayContaining(["rig.json", "rig-firmata.json"]));
    const firmata = JSON.parse(readFileSync("examples/rig-firmata.json", "utf8"));
    expect(firmata.devices.light.backend).toBe("firmata");
    expect(firmata.devices.stimulus.backend).toBe("firmata");
    expect(firmata.devices.stimulus.servo.pin).toEqual(expect.any(Number));
  });

  it.each(rigs)("%s passes `hokr validate`", async (rig) => {
    const r = await runCli(["validate", `examples/${rig}`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+examples/${rig}: rig '`));
  });

  it("the study's ChR2 protocol validates against the StandardFirmata rig on the command line", async () => {
    const r = await runCli([
      "validate",
      "protocols/chr2-training.json",
      "--rig",
      "examples/rig-firmata.json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/blue\s+ChR2 470 nm/);
  });

  it.each(rigs)("every shipped protocol fits the light limits of %s", (rig) => {
    const config = readJsonFile(`examples/${rig}`, RigConfig);
    for (const protocol of protocols)
      expect(() => loadProtocol(`protocols/${protocol}`, config)).not.toThrow();
  });

  it("a broken rig file is refused with the place and the fix", async () => {
    const r = await runCli(["validate", "tests/fixtures/rig-firmata-no-pin.json"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/channel 'blue' is on a Firmata board: give its `pin` and `fullScalePowerMw`/);
  });
});
