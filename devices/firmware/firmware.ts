// The hokr-rig firmware image, for flashing and for the simulator; its pins and constants come from its
// description (description.ts).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseIntelHex } from "./intel-hex.ts";

export { FIRMWARE } from "./description.ts";

/** The committed build of hokr-rig.ino (`npm run firmware` rebuilds it). */
export const FIRMWARE_HEX = fileURLToPath(new URL("./hokr-rig.hex", import.meta.url));

export function loadFirmwareImage(path = FIRMWARE_HEX): Uint8Array {
  return parseIntelHex(readFileSync(path, "utf8"), path);
}
