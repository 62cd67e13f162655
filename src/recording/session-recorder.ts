// Writes a session folder as the session runs (format: session-folder.ts). Rows are buffered and written
// with a plain write(2) at least every 250 ms, which puts them in the kernel's page cache: a SIGKILL loses
// at most the last quarter second. session.json is replaced atomically (write + rename), never half-written.
// A folder that must survive a power loss is forced to disk as it grows (in the background) and once more
// when it closes.
import {
  close,
  closeSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { GainBlock } from "../analysis/gain-block.ts";
import { MAX_NUMBER_BYTES, writeFixed4, writeInteger, writeText } from "../core/digits.ts";
import type { SampleBatch } from "../core/samples.ts";
import type { SessionEvent, SessionSink, SessionStatus } from "../engine/session.ts";
import { formatGainRow, gainTableHeader } from "./gain-table.ts";
import { SESSION_FILES, type SessionMeta } from "./session-folder.ts";

/**
 * An append-only file written through one reused byte buffer: rows are formatted straight into it (sample
 * rows digit by digit, see `row`) and the buffer goes out in one write(2) when full or flushed — no string
 * or Buffer per row, which at 1 kHz was most of the recorder's cost and much of the garbage.
 */
class AppendFile {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  /** Bytes written since the last background sync began. */
  private unsynced = 0;
  /**
   * The descriptor the background syncs go through, open while one runs or may run: its own, so that closing
   * the file never pulls a descriptor from under a sync still queued on libuv's threads.
   */
  private syncFd: number | undefined;
  private syncing = false;
  private closed = false;

  constructor(
    private readonly path: string,
    header: string,
    private readonly durable: boolean,
  ) {
    this.fd = openSync(path, "a");
    this.write(header);
  }

  /** Room for `n` more bytes: the buffer is written out first, or grown for a single long text. */
  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  write(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos);
  }

  /** A batch's sample rows. */
  rows(b: SampleBatch): void {
    for (let i = 0; i < b.length; i++)
      this.row(b.tMs[i] as number, b.deviceUs[i] as number, b.hostMs[i] as number, b.deg[i] as number);
  }

  /** One sample row `t_us  device_us  host_us  value`: as `${micros}\t${deviceUs}\t${micros}\t${fixed4}\n`. */
  private row(tMs: number, deviceUs: number, hostMs: number, value: number): void {
    this.reserve(4 * MAX_NUMBER_BYTES + 4);
    const buf = this.buf;
    const tUs = micros(tMs);
    const from = this.pos;
    let at = writeInteger(buf, from, tUs);
    const to = at;
    buf[at++] = TAB;
    // A simulated device's clock and the host's arrival often read the session time itself: copy its digits.
    at = deviceUs === tUs ? repeat(buf, at, from, to) : writeInteger(buf, at, deviceUs);
    buf[at++] = TAB;
    const hostUs = micros(hostMs);
    at = hostUs === tUs ? repeat(buf, at, from, to) : writeInteger(buf, at, hostUs);
    buf[at++] = TAB;
    at = Number.isNaN(value) ? writeText(buf, at, "NaN") : writeFixed4(buf, at, value);
    buf[at++] = LF;
    this.pos = at;
  }

  flush(): void {
    if (this.pos === 0) return;
    writeSync(this.fd, this.buf, 0, this.pos);
    this.unsynced += this.pos;
    this.pos = 0;
    if (this.durable && this.unsynced >= SYNC_EVERY_BYTES && !this.syncing) this.syncInBackground();
  }

  /**
   * Starts forcing what is written so far to disk on one of libuv's threads, while the session goes on: the
   * sync at close then has about the last SYNC_EVERY_BYTES left to write (a 76-min session at 1 kHz writes
   * 180 MB, whose single final sync took ~0.17 s of its replay).
   */
  private syncInBackground(): void {
    this.unsynced = 0;
    this.syncing = true;
    this.syncFd ??= openSync(this.path, "r");
    fdatasync(this.syncFd, () => {
      // A failed background sync is not reported: the sync at close, whose failure is, covers everything.
      this.syncing = false;
      if (this.closed) this.closeSyncFd();
    });
  }

  private closeSyncFd(): void {
    if (this.syncFd === undefined) return;
    close(this.syncFd, () => {});
    this.syncFd = undefined;
  }

  close(): void {
    this.flush();
    if (this.durable) fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    if (!this.syncing) this.closeSyncFd();
  }
}

/** Written bytes after which a durable file is synced in the background (see AppendFile.syncInBackground). */
const SYNC_EVERY_BYTES = 8 << 20;

const [TAB, LF] = [9, 10];
/** The bytes from..to written again at `at`; returns the end. */
function repeat(buf: Uint8Array, at: number, from: number, to: number): number {
  for (let i = from; i < to; i++) buf[at++] = buf[i] as number;
  return at;
}
const micros = (tMs: number) => Math.round(tMs * 1000);

export class SessionRecorder implements SessionSink {
  private readonly events: AppendFile;
  /** The sample files; none in a scratch folder (RunOptions.scratch). */
  private readonly eyeFile: AppendFile | undefined;
  private readonly stimulusFile: AppendFile | undefined;
  private readonly gain: AppendFile;
  private readonly files: AppendFile[];
  private readonly timer: NodeJS.Timeout;
  readonly blocks: GainBlock[] = [];
  private closed = false;

  constructor(
    readonly dir: string,
    private meta: SessionMeta,
    { scratch }: { scratch: boolean } = { scratch: false },
  ) {
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0)
      throw new Error(
        `${dir}: folder is not empty; choose a new --out folder so no recording is overwritten`,
      );
    this.writeMeta();
    const durable = !scratch;
    this.events = new AppendFile(join(dir, SESSION_FILES.events), "", durable);
    this.gain = new AppendFile(join(dir, SESSION_FILES.gain), gainTableHeader(), durable);
    if (!scratch) {
      this.eyeFile = new AppendFile(
        join(dir, SESSION_FILES.eye),
        "t_us\tdevice_us\thost_us\tx_deg\n",
        durable,
      );
      this.stimulusFile = new AppendFile(
        join(dir, SESSION_FILES.stimulus),
        "t_us\tdevice_us\thost_us\tposition_deg\n",
        durable,
      );
    }
    this.files = [
      this.events,
      ...(this.eyeFile && this.stimulusFile ? [this.eyeFile, this.stimulusFile] : []),
      this.gain,
    ];
    this.timer = setInterval(() => this.flush(), 250);
    this.timer.unref();
  }

  private writeMeta(): void {
    const path = join(this.dir, SESSION_FILES.meta);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.meta, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  event(e: SessionEvent): void {
    const { tMs, ...rest } = e;
    this.events.write(`${JSON.stringify({ t_s: tMs / 1000, ...rest })}\n`);
  }

  eye(b: SampleBatch): void {
    this.eyeFile?.rows(b);
  }

  stimulus(b: SampleBatch): void {
    this.stimulusFile?.rows(b);
  }

  block(b: GainBlock): void {
    this.blocks.push(b);
    // Its cycles' samples reach the files before its row can: a reader following the folder (the dashboard)
    // that sees a block finds the samples it came from, whatever order later flushes take.
    this.eyeFile?.flush();
    this.stimulusFile?.flush();
    this.gain.write(formatGainRow(b));
  }

  flush(): void {
    if (this.closed) return;
    for (const f of this.files) f.flush();
  }

  /** Flushes and closes every file, then records how the session ended. Safe to call more than once. */
  finish(
    status: SessionStatus,
    end: NonNullable<SessionMeta["end"]>,
    endedAt: string,
    summary?: SessionMeta["summary"],
    devices?: SessionMeta["devices"],
  ): void {
    if (this.closed) return;
    clearInterval(this.timer);
    for (const f of this.files) f.close();
    this.closed = true;
    this.meta = {
      ...this.meta,
      status,
      end,
      endedAt,
      ...(summary ? { summary } : {}),
      ...(devices ? { devices } : {}),
    };
    this.writeMeta();
  }
}
