// `hokr ports`: the serial ports this machine sees, with what a rig configuration can match them by.
import type { PortInfo } from "@serialport/bindings-interface";
import type { Command } from "commander";
import { SerialPort } from "serialport";
import { guarded } from "../errors.ts";
import { table } from "../format.ts";

/** Lists ports; a machine without udev (containers) has none to list rather than crashing. */
export async function listPorts(
  list: () => Promise<PortInfo[]> = () => SerialPort.list(),
): Promise<{ ports: PortInfo[]; note?: string }> {
  try {
    return { ports: await list() };
  } catch (e) {
    const msg = (e as Error).message;
    if (/udevadm|ENOENT/.test(msg))
      return { ports: [], note: "no ports found (udev not available on this machine)" };
    throw e;
  }
}

export function registerPorts(program: Command): void {
  program
    .command("ports")
    .description(
      "list serial ports: path, manufacturer, serial number, USB vendor:product (for the rig configuration)",
    )
    .option("--json", "print one JSON object")
    .action(
      guarded(async (opts: { json?: boolean }) => {
        const { ports, note } = await listPorts();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ports, ...(note ? { note } : {}) })}\n`);
          return;
        }
        if (ports.length === 0) {
          process.stdout.write(`${note ?? "no serial ports found; is the device plugged in?"}\n`);
          return;
        }
        const rows = ports.map((p) => [
          p.path,
          p.manufacturer ?? "",
          p.serialNumber ?? "",
          p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : "",
        ]);
        process.stdout.write(
          `${table([["path", "manufacturer", "serial number", "usb (vendor:product)"], ...rows])}\n`,
        );
      }),
    );
}
