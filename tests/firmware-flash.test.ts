// `hokr flash` without a board: the dry run, a stand-in avrdude that records how it was called, and the
// errors a user can cause. Also the Intel HEX reader both flash and the simulator load the firmware with.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STANDARD_FIRMATA_HEX } from "../devices/firmata-board/standard-firmata.ts";
import { FIRMWARE_HEX } from "../devices/firmware/firmware.ts";
import { IntelHexError, parseIntelHex } from "../devices/firmware/intel-hex.ts";
import { runCliSync } from "./helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "hokr-flash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hokr = (...args: string[]) => runCliSync(["flash", ...args]);

/** One Intel HEX record, its checksum computed here: two's complement of the byte sum. */
const record = (type: number, address: number, data: number[]): string => {
  const bytes = [data.length, address >> 8, address & 0xff, type, ...data];
  const sum = bytes.reduce((s, b) => s + b, 0);
  return `:${[...bytes, (256 - (sum % 256)) % 256].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join("")}`;
};

describe("Intel HEX", () => {
  it("places data records at their addresses, extended linear addresses included", () => {
    const text = [
      record(0, 0x0000, [0x0c, 0x94, 0x5c]),
      record(0, 0x0010, [0xaa]),
      record(4, 0, [0x00, 0x00]),
      record(0, 0x0003, [0x00]),
      record(1, 0, []),
    ].join("\r\n");
    expect([...parseIntelHex(text)]).toEqual([0x0c, 0x94, 0x5c, 0x00, ...Array(12).fill(0), 0xaa]);
  });

  it.each([
    [
      "a bad checksum",
      `${record(0, 0, [1, 2]).slice(0, -2)}00\n${record(1, 0, [])}`,
      /hex:1: checksum mismatch/,
    ],
    ["a short record", `:0300000001FC\n${record(1, 0, [])}`, /hex:1: record says 3 data bytes but holds 1/],
    ["no end record", record(0, 0, [1]), /no end-of-file record/],
    ["a stray line", `${record(0, 0, [1])}\nhello\n${record(1, 0, [])}`, /hex:2: not an Intel HEX record/],
  ])("rejects %s, naming the line", (_what, text, message) => {
    expect(() => parseIntelHex(text)).toThrow(IntelHexError);
    expect(() => parseIntelHex(text)).toThrow(message);
  });

  it("reads the committed firmware: an AVR image starting with its reset vector (a JMP)", () => {
    const image = parseIntelHex(readFileSync(FIRMWARE_HEX, "utf8"));
    expect(image.length).toBeGreaterThan(1000);
    expect(image.length).toBeLessThanOrEqual(32 * 1024 - 512);
    expect([image[0], (image[1] ?? 0) & 0xfe]).toEqual([0x0c, 0x94]);
  });
});

describe("hokr flash", () => {
  const port = join(dir, "ttyACM0");
  writeFileSync(port, "");
  const fakeAvrdude = (name: string, exitCode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "$0.args"\nexit ${exitCode}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it("--dry-run prints the avrdude command for the committed image, needing no board", () => {
    const run = hokr("--port", "/dev/ttyACM7", "--dry-run", "--json");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toEqual({
      hex: FIRMWARE_HEX,
      bytes: parseIntelHex(readFileSync(FIRMWARE_HEX, "utf8")).length,
      port: "/dev/ttyACM7",
      command: [
        "avrdude",
        ...["-p", "atmega328p", "-c", "arduino", "-P", "/dev/ttyACM7", "-b", "115200", "-D"],
        ...["-U", `flash:w:${FIRMWARE_HEX}:i`],
      ],
      uploaded: false,
    });
  });

  it("runs avrdude with exactly that command", () => {
    const avrdude = fakeAvrdude("avrdude-ok", 0);
    const dry = JSON.parse(
      hokr("--port", port, "--avrdude", avrdude, "--baud", "57600", "--dry-run", "--json").stdout,
    );
    const run = hokr("--port", port, "--avrdude", avrdude, "--baud", "57600");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^flashed: /);
    expect(readFileSync(`${avrdude}.args`, "utf8").trim().split("\n")).toEqual(dry.command.slice(1));
  });

  it("--firmata puts avrgirl-arduino's StandardFirmata on the board with the same avrdude command", () => {
    const avrdude = fakeAvrdude("avrdude-firmata", 0);
    const dry = JSON.parse(hokr("--port", port, "--firmata", "--dry-run", "--json").stdout);
    expect(dry.hex).toBe(STANDARD_FIRMATA_HEX);
    expect(dry.hex).toMatch(/avrgirl-arduino\/junk\/hex\/uno\/StandardFirmata\.cpp\.hex$/);
    expect(dry.bytes).toBe(parseIntelHex(readFileSync(STANDARD_FIRMATA_HEX, "utf8")).length);
    expect(dry.command.slice(1)).toEqual([
      ...["-p", "atmega328p", "-c", "arduino", "-P", port, "-b", "115200", "-D"],
      ...["-U", `flash:w:${STANDARD_FIRMATA_HEX}:i`],
    ]);
    const run = hokr("--port", port, "--firmata", "--avrdude", avrdude);
    expect(run.code).toBe(0);
    expect(readFileSync(`${avrdude}.args`, "utf8").trim().split("\n")).toEqual(dry.command.slice(1));
  });

  it.each([
    [
      "--firmata meets --hex",
      ["--firmata", "--hex", join(dir, "x.hex"), "--dry-run"],
      /--firmata and --hex both name the image: give one of them/,
    ],
    [
      "the port is missing (--firmata)",
      ["--firmata", "--port", join(dir, "ttyACM9")],
      /ttyACM9: no such device; plug the board in/,
    ],
    [
      "avrdude fails",
      ["--avrdude", fakeAvrdude("avrdude-fail", 1)],
      /^hokr: avrdude failed \(exit 1\); check --port/,
    ],
    ["avrdude is missing", ["--avrdude", join(dir, "no-avrdude")], /no-avrdude: not found; install avrdude/],
    [
      "the image is corrupt",
      ["--hex", join(dir, "bad.hex"), "--dry-run"],
      /bad\.hex:1: checksum mismatch; rebuild/,
    ],
  ])("exits 1 with one message when %s", (_what, args, message) => {
    writeFileSync(join(dir, "bad.hex"), `${record(0, 0, [1, 2]).slice(0, -2)}00\n${record(1, 0, [])}\n`);
    const run = hokr("--port", port, ...args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stdout).toBe("");
  });
});
