// `hokr flash --port PATH`: uploads the hokr-rig firmware to an Arduino Uno through its bootloader with avrdude;
// `--firmata` uploads StandardFirmata instead (the build avrgirl-arduino ships), for the Firmata backend.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { STANDARD_FIRMATA_HEX } from "../../../devices/firmata-board/standard-firmata.ts";
import { FIRMWARE, FIRMWARE_HEX } from "../../../devices/firmware/firmware.ts";
import { IntelHexError, parseIntelHex } from "../../../devices/firmware/intel-hex.ts";
import { guarded, numberOption, UsageError } from "../errors.ts";

/** Flash an Uno's application may use: 32 KiB less the 512-byte Optiboot bootloader. */
const UNO_APP_BYTES = 32 * 1024 - 512;

interface FlashOptions {
  port: string;
  hex?: string;
  firmata?: boolean;
  baud: number;
  avrdude: string;
  dryRun?: boolean;
  json?: boolean;
}

function checkedImageBytes(hex: string): number {
  if (!existsSync(hex)) {
    const fix =
      hex === FIRMWARE_HEX
        ? "run `npm run firmware` to build it"
        : hex === STANDARD_FIRMATA_HEX
          ? "it comes with the npm package avrgirl-arduino: run `npm ci`"
          : "check the --hex path";
    throw new UsageError(`${hex}: no such file; ${fix}`);
  }
  let image: Uint8Array;
  try {
    image = parseIntelHex(readFileSync(hex, "utf8"), hex);
  } catch (e) {
    if (e instanceof IntelHexError)
      throw new UsageError(`${e.message}; rebuild it with \`npm run firmware\``);
    throw e;
  }
  if (image.length > UNO_APP_BYTES)
    throw new UsageError(
      `${hex}: ${image.length} bytes do not fit the Uno's ${UNO_APP_BYTES}-byte application flash`,
    );
  return image.length;
}

/** The avrdude invocation: Uno bootloader (STK500v1 "arduino" protocol), no chip erase (-D), Intel HEX. */
export function avrdudeArgs(o: Pick<FlashOptions, "port" | "baud"> & { hex: string }): string[] {
  return [
    "-p",
    FIRMWARE.mcu,
    "-c",
    "arduino",
    "-P",
    o.port,
    "-b",
    String(o.baud),
    "-D",
    "-U",
    `flash:w:${o.hex}:i`,
  ];
}

const quoted = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);

export function registerFlash(program: Command): void {
  program
    .command("flash")
    .description(
      "upload the hokr-rig firmware (or, with --firmata, StandardFirmata) to an Arduino Uno (ATmega328P) through its bootloader, with avrdude",
    )
    .requiredOption("--port <path>", "serial port of the board, e.g. /dev/ttyACM0")
    .option("--hex <file>", `firmware image (Intel HEX; default ${FIRMWARE_HEX})`)
    .option(
      "--firmata",
      "upload StandardFirmata (avrgirl-arduino's build, 57600 baud) for a rig on the Firmata backend",
    )
    .option(
      "--baud <bps>",
      "bootloader speed, bit/s (115200 for an Uno's Optiboot; 57600 for old Nano bootloaders)",
      numberOption("a whole number > 0 (bit/s)", (n) => Number.isInteger(n) && n > 0),
      115_200,
    )
    .option("--avrdude <path>", "avrdude executable", "avrdude")
    .option("--dry-run", "check the image and print the avrdude command without running it (no board needed)")
    .option("--json", "print one JSON object instead of text")
    .action(
      guarded((opts: FlashOptions) => {
        if (opts.firmata && opts.hex !== undefined)
          throw new UsageError("--firmata and --hex both name the image: give one of them");
        const hex = resolve(opts.firmata ? STANDARD_FIRMATA_HEX : (opts.hex ?? FIRMWARE_HEX));
        const bytes = checkedImageBytes(hex);
        const args = avrdudeArgs({ ...opts, hex });
        const commandLine = [opts.avrdude, ...args].map(quoted).join(" ");
        const report = (uploaded: boolean) =>
          opts.json
            ? `${JSON.stringify({ hex, bytes, port: opts.port, command: [opts.avrdude, ...args], uploaded })}\n`
            : `${uploaded ? "flashed" : "would run"}: ${commandLine}\n(${bytes} bytes from ${hex})\n`;
        if (opts.dryRun) {
          process.stdout.write(report(false));
          return;
        }
        if (!existsSync(opts.port))
          throw new UsageError(
            `--port ${opts.port}: no such device; plug the board in and check its port name`,
          );
        // avrdude reports on stderr; with --json its stdout goes there too, keeping stdout to the one object.
        const run = spawnSync(opts.avrdude, args, {
          stdio: ["ignore", opts.json ? 2 : "inherit", "inherit"],
        });
        if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
          throw new UsageError(
            `${opts.avrdude}: not found; install avrdude (Debian: apt-get install avrdude) or pass --avrdude PATH`,
          );
        if (run.error) throw new UsageError(`${opts.avrdude}: ${run.error.message}`);
        if (run.status !== 0)
          throw new UsageError(
            `avrdude failed (exit ${run.status ?? run.signal}); check --port, that the board is an Uno, and --baud`,
          );
        process.stdout.write(report(true));
      }),
    );
}
