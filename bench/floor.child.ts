// The floor under issue #14's two ratio rows: the least work the path the issue requires does per eye sample,
// with the project's own fastest pieces chained directly and nothing else — no clock alignment, analysis,
// drum, light source, event log, RxJS or second thread. A full session or replay does all of this and more,
// so neither can be faster than its floor here.
//
//   mouse   the virtual mouse alone, one sample per frame (the session bench's reference)
//   live    mouse → `S` line (the eye codec's encodeNumeric) → a simulated session's serial binding
//           (mocks/serial-binding.ts), a quarter second of lines per write as its devices send them →
//           serialport's SerialPortStream → lines split (one cut by a read carried over) → the codec's
//           decodeBytes → eye.tsv rows (AppendFile)
//   replay  the same host side, fed from a file of the live run's lines in 64 KB reads (less than a replay
//           does: it reads eye.tsv and encodes its lines)
//
// Usage: tsx bench/floor.child.ts mouse|live|replay SESSION_S RATE_HZ DIR [--no-rows]
// `live --keep` also writes its lines to DIR/lines, for a `replay` to read (a run apart, not timed).
import { appendFileSync, closeSync, openSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { SerialPortStream } from "@serialport/stream";
import { EYE_EVENTS, eyeEvents } from "../devices/eye-tracker/codec.ts";
import { encodeNumeric, fieldIndex, numericBytes } from "../devices/messages.ts";
import { UINT32 } from "../devices/wire.ts";
import { plugSimulatedDevice, SimulatedBinding } from "../mocks/serial-binding.ts";
import { BatchBuilder } from "../src/core/samples.ts";
import { AppendFile } from "../src/recording/append-file.ts";
import { benchMouse, mouseAlone } from "./mouse-alone.ts";

const [mode = "", sessionArg = "", rateArg = "", dir = ""] = process.argv.slice(2);
const rows = !process.argv.includes("--no-rows");
const keep = process.argv.includes("--keep");
const sessionS = Number(sessionArg);
const rateHz = Number(rateArg);
const frames = Math.floor(sessionS * rateHz) + 1;
const frameS = 1 / rateHz;
/** Frames per write: a simulated session's virtual clock steps 250 ms between event-loop turns. */
const framesPerWrite = Math.max(1, Math.round(rateHz / 4));
const linesFile = join(dir, "lines");
const S = eyeEvents.numeric("S");
const S_TIME = fieldIndex(EYE_EVENTS, "S", "deviceUs");
const S_X = fieldIndex(EYE_EVENTS, "S", "xDeg");
const BOOT_US = 4_000_000_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const t0 = performance.now();
let checksum = 0;

if (mode === "mouse") checksum = mouseAlone(sessionS, rateHz);
else {
  const mouse = benchMouse(rateHz);
  // The host side: the serial stream over a simulated port, whose device sends what it is given.
  let send: (bytes: Uint8Array) => void = () => {};
  const path = "sim/floor/eye";
  plugSimulatedDevice({ receive: () => {}, attach: (s) => (send = s), detach: () => {} }, { path });
  const stream = new SerialPortStream({ binding: SimulatedBinding, path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => stream.open((e) => (e ? reject(e) : resolve())));
  rmSync(join(dir, "eye.tsv"), { force: true });
  const file = new AppendFile(join(dir, "eye.tsv"), "t_us\tdevice_us\thost_us\tx_deg\n", true);
  const batch = new BatchBuilder(1 << 12);
  const fields = new Float64Array(S.specs.length);
  let hostMs = 0;
  const replaying = mode === "replay";
  let lastDeviceUs = 0;
  let wrapsUs = 0;
  let carried: Buffer | undefined;
  stream.on("data", (read: Buffer) => {
    const chunk = carried ? Buffer.concat([carried, read]) : read;
    const end = chunk.lastIndexOf(10) + 1;
    carried = end < chunk.length ? Buffer.from(chunk.subarray(end)) : undefined;
    for (let from = 0; from < end; ) {
      const nl = chunk.indexOf(10, from);
      // A line the fast decoder leaves (`nan` while the pupil is lost): the general decoder, as the port does.
      if (!eyeEvents.decodeBytes(chunk, from, nl, fields)) {
        const e = eyeEvents.decode(chunk.toString("latin1", from, nl));
        if (!("tag" in e) || e.tag !== "S") throw new Error(`floor: not an S line at byte ${from}`);
        fields[S_TIME] = e.deviceUs;
        fields[S_X] = e.xDeg;
      }
      const deviceUs = fields[S_TIME] as number;
      // The device's 32-bit µs clock, unwrapped: the least the clock alignment does.
      if (deviceUs < lastDeviceUs) wrapsUs += UINT32;
      lastDeviceUs = deviceUs;
      const tMs = (deviceUs + wrapsUs - BOOT_US) / 1000;
      // A replay's host time is the recording's (here, the line's own time); a live line's is its read's.
      batch.push(tMs, deviceUs, replaying ? tMs : hostMs, fields[S_X] as number);
      from = nl + 1;
    }
    // The read's samples as one batch, as the port hands them on.
    const b = batch.take();
    if (b && rows) file.rows(b, 0, b.length);
    checksum += b?.length ?? 0;
  });

  if (mode === "live") {
    const out = new Uint8Array(framesPerWrite * (numericBytes(S) + 1));
    const sample = new Float64Array(S.specs.length).fill(Number.NaN);
    for (let k = 0; k < frames; ) {
      let at = 0;
      for (const end = Math.min(frames, k + framesPerWrite); k < end; k++) {
        sample[S_TIME] = (BOOT_US + Math.round(k * frameS * 1e6)) % UINT32;
        sample[S_X] = Math.round(mouse.sample(k * frameS) * 1e4) / 1e4;
        at = encodeNumeric(S, sample, out, at);
        out[at++] = 10;
      }
      hostMs = k * frameS * 1000;
      const lines = out.subarray(0, at);
      send(lines);
      if (keep) appendFileSync(linesFile, lines);
      await nextTurn();
    }
  } else if (mode === "replay") {
    const fd = openSync(linesFile, "r");
    const read = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      const n = readSync(fd, read, 0, read.length, null);
      if (n === 0) break;
      send(read.subarray(0, n));
      await nextTurn();
    }
    closeSync(fd);
  } else throw new Error(`floor.child: unknown mode '${mode}' (mouse, live or replay)`);
  await nextTurn();
  file.close();
}
const wallS = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ mode, wallS, frames, checksum })}\n`);
