// An append-only file of the session folder, written through one reused byte buffer: what the recorder
// (session-recorder.ts) and its sample writer thread (sample-writer.ts) write through.
import { close, closeSync, fdatasync, fsyncSync, openSync, writeSync } from "node:fs";
import { IntegerColumn, MAX_NUMBER_BYTES, writeFixed4, writeText } from "../core/digits.ts";

/** Sample rows' columns (a SampleBatch's, or a writer thread's ring): session ms, device µs, host ms, value. */
export interface SampleColumns {
  readonly tMs: ArrayLike<number>;
  readonly deviceUs: ArrayLike<number>;
  readonly hostMs: ArrayLike<number>;
  readonly deg: ArrayLike<number>;
}

/**
 * An append-only file written through one reused byte buffer: rows are formatted straight into it (sample
 * rows digit by digit, see `row`) and the buffer goes out in one write(2) when full or flushed — no string
 * or Buffer per row, which at 1 kHz was most of the recorder's cost and much of the garbage.
 */
export class AppendFile {
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
  /** The sample rows' integer columns: t_us, device_us, host_us. */
  private readonly tColumn = new IntegerColumn();
  private readonly deviceColumn = new IntegerColumn();
  private readonly hostColumn = new IntegerColumn();

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

  /** Sample rows `from` to `to` (exclusive) of some columns. */
  rows(c: SampleColumns, from: number, to: number): void {
    for (let i = from; i < to; i++)
      this.row(c.tMs[i] as number, c.deviceUs[i] as number, c.hostMs[i] as number, c.deg[i] as number);
  }

  /** One sample row `t_us  device_us  host_us  value`: as `${micros}\t${deviceUs}\t${micros}\t${fixed4}\n`. */
  private row(tMs: number, deviceUs: number, hostMs: number, value: number): void {
    this.reserve(4 * MAX_NUMBER_BYTES + 4);
    const buf = this.buf;
    const tUs = micros(tMs);
    const from = this.pos;
    let at = this.tColumn.write(buf, from, tUs);
    const to = at;
    buf[at++] = TAB;
    // A simulated device's clock and the host's arrival often read the session time itself: copy its digits.
    at = deviceUs === tUs ? repeat(buf, at, from, to) : this.deviceColumn.write(buf, at, deviceUs);
    buf[at++] = TAB;
    const hostUs = micros(hostMs);
    at = hostUs === tUs ? repeat(buf, at, from, to) : this.hostColumn.write(buf, at, hostUs);
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
