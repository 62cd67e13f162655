// Intel HEX (the format avr-objcopy writes and avrdude reads) → a flash image. Checks every record's checksum
// so that a truncated or edited .hex is reported with its line instead of being flashed or simulated.

export class IntelHexError extends Error {}

/** Data records (00), end of file (01), extended segment (02) and linear (04) addresses. */
export function parseIntelHex(text: string, source = "hex"): Uint8Array {
  const chunks: { address: number; data: Uint8Array }[] = [];
  let base = 0;
  let end = 0;
  let sawEof = false;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const where = `${source}:${i + 1}`;
    if (sawEof) throw new IntelHexError(`${where}: data after the end-of-file record`);
    if (!/^:([0-9A-Fa-f]{2}){5,}$/.test(line))
      throw new IntelHexError(`${where}: not an Intel HEX record (expected ':' and hex byte pairs)`);
    const bytes = Uint8Array.from(line.slice(1).match(/../g) ?? [], (h) => Number.parseInt(h, 16));
    const count = bytes[0] ?? 0;
    if (bytes.length !== count + 5)
      throw new IntelHexError(`${where}: record says ${count} data bytes but holds ${bytes.length - 5}`);
    if (bytes.reduce((s, b) => s + b, 0) % 256 !== 0) throw new IntelHexError(`${where}: checksum mismatch`);
    const offset = ((bytes[1] ?? 0) << 8) | (bytes[2] ?? 0);
    const data = bytes.subarray(4, 4 + count);
    const ext = ((data[0] ?? 0) << 8) | (data[1] ?? 0);
    switch (bytes[3]) {
      case 0:
        chunks.push({ address: base + offset, data });
        end = Math.max(end, base + offset + count);
        break;
      case 1:
        sawEof = true;
        break;
      case 2:
        base = ext * 16;
        break;
      case 3:
      case 5:
        break; // start address: meaningless for an AVR image
      case 4:
        base = ext * 65536;
        break;
      default:
        throw new IntelHexError(`${where}: unknown record type ${bytes[3]}`);
    }
  }
  if (!sawEof) throw new IntelHexError(`${source}: no end-of-file record (truncated file?)`);
  const image = new Uint8Array(end);
  for (const c of chunks) image.set(c.data, c.address);
  return image;
}
