// The session's sample files (eye.tsv, stimulus.tsv) formatted and written on a thread of their own: at 1 kHz
// their rows' digits were a quarter of the main thread's work, which carries the clock, drivers, engine and
// analysis. Both ends of the exchange are here. The recorder copies each batch's columns into a ring of
// shared memory per file (no allocation, no message per batch). The writer thread formats the rows and writes
// them out each time it has caught up; asleep, it is woken for every quarter ring and by the recorder's
// 250-ms flush, so rows reach the file (the kernel's page cache) within a quarter second, as the recorder's
// other files do. The recorder waits only when a ring is full, when it needs every row so far in its file
// (before a gain row that comes from them), and at the end, while the thread syncs and closes. Only a session
// on the virtual clock and the process's main thread has its files written so (the runner chooses): one on
// the real clock writes them inline, since at real-time rates they cost its thread ~0.01% (~110 ns a row, as
// the writer thread of a replay takes) and it must never wait for a thread of lower priority; one on a worker
// thread (a cohort's animal) too, since the cohort already keeps every core busy.
import { writeFileSync } from "node:fs";
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from "node:worker_threads";
import type { SampleBatch } from "../core/samples.ts";
import { sharedArray, tsWorker } from "../core/ts-worker.ts";
import { AppendFile, type SampleColumns } from "./append-file.ts";

/** Rows a file's ring holds (32 s of a 1 kHz eye tracker). */
const CAPACITY = 1 << 15;
const MASK = CAPACITY - 1;
/**
 * A ring's counters, in rows since the start (32-bit, wrapping): COMMITTED by the recorder, CONSUMED (formatted)
 * by the writer, OUT (written to the file) by the writer.
 */
const [COMMITTED, CONSUMED, OUT] = [0, 1, 2];
/**
 * The writer's controls: SIGNAL changes when the recorder has news for the writer, which it gives only while
 * the writer is ASLEEP (waking a thread is the dear part); CLOSING is asked, CLOSED or FAILED told.
 */
const [SIGNAL, CLOSING, CLOSED, FAILED, ASLEEP] = [0, 1, 2, 3, 4];
/**
 * Rows a sleeping writer is left to gather before it is woken for them (a quarter ring); fewer are written
 * when the recorder flushes (every 250 ms), needs them in the file, or closes.
 */
const WAKE_ROWS = CAPACITY / 4;
/** Longest the recorder waits for the writer (a thread that failed to start, a disk that hangs), ms. */
const LOST_MS = 60_000;

interface Ring extends SampleColumns {
  readonly counters: Int32Array;
  readonly tMs: Float64Array;
  readonly deviceUs: Float64Array;
  readonly hostMs: Float64Array;
  readonly deg: Float64Array;
}

export interface SampleFileSpec {
  path: string;
  header: string;
}

interface WriterSetup {
  files: readonly SampleFileSpec[];
  durable: boolean;
  rings: Ring[];
  control: Int32Array;
  port: MessagePort;
}

/** The writer thread's side (sample-writer.worker.ts). */
export async function serveSampleFiles({ files, durable, rings, control, port }: WriterSetup): Promise<void> {
  // A thread whose event loop has nothing left ends, and a pending Atomics.waitAsync is not something.
  const alive = setInterval(() => {}, 2 ** 30);
  try {
    const out = files.map((f) => new AppendFile(f.path, "", durable)); // headers: written by sampleFiles
    const consumed = rings.map(() => 0);
    for (;;) {
      // Read before looking for rows: the recorder commits its last rows before it asks to close, so a close
      // seen here ends the loop only after a pass that found every one of them.
      const closing = Atomics.load(control, CLOSING) === 1;
      const signal = Atomics.load(control, SIGNAL);
      let formatted = false;
      rings.forEach((ring, k) => {
        const committed = Atomics.load(ring.counters, COMMITTED);
        while (consumed[k] !== committed) {
          const done = consumed[k] as number;
          const from = done & MASK;
          const n = Math.min((committed - done) | 0, CAPACITY - from);
          (out[k] as AppendFile).rows(ring, from, from + n);
          consumed[k] = (done + n) | 0;
          Atomics.store(ring.counters, CONSUMED, consumed[k] as number);
          Atomics.notify(ring.counters, CONSUMED);
          formatted = true;
        }
      });
      if (formatted) continue;
      // Caught up: what is formatted goes to the file now.
      out.forEach((f, k) => {
        f.flush();
        const ring = rings[k] as Ring;
        Atomics.store(ring.counters, OUT, consumed[k] as number);
        Atomics.notify(ring.counters, OUT);
      });
      if (closing) break;
      // Asleep from here: rows committed, or a close asked, before the recorder could see it are looked for
      // once more.
      Atomics.store(control, ASLEEP, 1);
      const idle = rings.every((ring, k) => Atomics.load(ring.counters, COMMITTED) === consumed[k]);
      if (idle && Atomics.load(control, CLOSING) === 0) {
        // Asynchronously: the files' background syncs complete on this thread's event loop meanwhile.
        await Atomics.waitAsync(control, SIGNAL, signal).value;
      }
      Atomics.store(control, ASLEEP, 0);
    }
    for (const f of out) f.close();
    Atomics.store(control, CLOSED, 1);
  } catch (e) {
    port.postMessage(e instanceof Error ? e.message : String(e));
    Atomics.store(control, FAILED, 1);
  }
  clearInterval(alive);
  // Whatever the recorder waits on, it wakes and sees the end.
  Atomics.notify(control, CLOSED);
  for (const ring of rings) {
    Atomics.notify(ring.counters, CONSUMED);
    Atomics.notify(ring.counters, OUT);
  }
}

/** A session's sample files, as the recorder writes them: file `k` is `files[k]`. */
export interface SampleFiles {
  /** A batch's rows for file `file`. Throws what writing failed on, if it did. */
  rows(file: number, b: SampleBatch): void;
  /** Rows given so far go to their files within a quarter second. */
  flush(): void;
  /** Returns once every row given so far is in its file. */
  written(): void;
  /** Writes every row given, syncs the files (a durable folder's) and closes them. */
  close(): void;
}

/** The sample files `files`, created with their headers: written on a thread of their own (`thread`), or inline. */
export function sampleFiles(
  files: readonly SampleFileSpec[],
  durable: boolean,
  thread: boolean,
): SampleFiles {
  // The files exist, with their headers, from the start (a reader following the folder, a session killed at
  // once), and a folder that cannot be written is an error here, not on a thread.
  for (const f of files) writeFileSync(f.path, f.header, { flag: "a" });
  return thread ? new SampleWriter(files, durable) : new InlineSampleFiles(files, durable);
}

/** Sample files written on the session's own thread, through AppendFile's buffer. */
class InlineSampleFiles implements SampleFiles {
  private readonly files: AppendFile[];

  constructor(files: readonly SampleFileSpec[], durable: boolean) {
    this.files = files.map((f) => new AppendFile(f.path, "", durable)); // headers: written by sampleFiles
  }

  rows(file: number, b: SampleBatch): void {
    (this.files[file] as AppendFile).rows(b, 0, b.length);
  }

  flush(): void {
    for (const f of this.files) f.flush();
  }

  written(): void {
    this.flush();
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}

/** Sample files written on the writer thread. */
class SampleWriter implements SampleFiles {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly control = sharedArray(Int32Array, 5);
  private readonly rings: Ring[];
  private readonly committed: number[];
  /** Rows committed since the writer was last given news. */
  private unannounced = 0;
  private closed = false;
  /** What the writer failed on (its message is received once). */
  private failure = "(no reason given)";

  constructor(files: readonly SampleFileSpec[], durable: boolean) {
    this.rings = files.map(() => ({
      counters: sharedArray(Int32Array, 3),
      tMs: sharedArray(Float64Array, CAPACITY),
      deviceUs: sharedArray(Float64Array, CAPACITY),
      hostMs: sharedArray(Float64Array, CAPACITY),
      deg: sharedArray(Float64Array, CAPACITY),
    }));
    this.committed = files.map(() => 0);
    const { port1, port2 } = new MessageChannel();
    const setup: WriterSetup = { files, durable, rings: this.rings, control: this.control, port: port2 };
    this.worker = tsWorker(new URL("./sample-writer.worker.ts", import.meta.url), setup, [port2]);
    this.worker.unref();
    this.port = port1;
  }

  rows(file: number, b: SampleBatch): void {
    this.failed();
    const ring = this.rings[file] as Ring;
    let committed = this.committed[file] as number;
    for (let i = 0; i < b.length; ) {
      const consumed = Atomics.load(ring.counters, CONSUMED);
      const free = CAPACITY - ((committed - consumed) | 0);
      if (free === 0) {
        this.news();
        this.wait(ring.counters, CONSUMED, consumed);
        continue;
      }
      const at = committed & MASK;
      const n = Math.min(free, b.length - i, CAPACITY - at);
      ring.tMs.set(b.tMs.subarray(i, i + n), at);
      ring.deviceUs.set(b.deviceUs.subarray(i, i + n), at);
      ring.hostMs.set(b.hostMs.subarray(i, i + n), at);
      ring.deg.set(b.deg.subarray(i, i + n), at);
      i += n;
      committed = (committed + n) | 0;
      this.committed[file] = committed;
      Atomics.store(ring.counters, COMMITTED, committed);
    }
    this.unannounced += b.length;
    if (this.unannounced >= WAKE_ROWS) this.news();
  }

  /** The writer, if asleep, is woken for the rows given, not left until a quarter ring is full. */
  flush(): void {
    if (this.unannounced > 0) this.news();
  }

  written(): void {
    this.news();
    this.rings.forEach((ring, k) => {
      for (let out = Atomics.load(ring.counters, OUT); out !== this.committed[k]; ) {
        this.wait(ring.counters, OUT, out);
        out = Atomics.load(ring.counters, OUT);
      }
    });
  }

  /** …and the thread ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, CLOSING, 1);
    this.news();
    while (Atomics.load(this.control, CLOSED) === 0) this.wait(this.control, CLOSED, 0);
    this.port.close();
  }

  private news(): void {
    this.unannounced = 0;
    if (Atomics.load(this.control, ASLEEP) === 0) return; // it finds the rows without being told
    Atomics.add(this.control, SIGNAL, 1);
    Atomics.notify(this.control, SIGNAL);
  }

  /** Waits for `counters[at]` to change from `seen`; throws if the writer failed or stopped answering. */
  private wait(counters: Int32Array, at: number, seen: number): void {
    this.failed();
    if (Atomics.wait(counters, at, seen, LOST_MS) === "timed-out")
      throw new Error(`the thread writing the sample files did not answer in ${LOST_MS / 1000} s`);
    this.failed();
  }

  private failed(): void {
    if (Atomics.load(this.control, FAILED) === 0) return;
    const message = receiveMessageOnPort(this.port)?.message;
    if (message !== undefined) this.failure = String(message);
    throw new Error(`writing the sample files failed: ${this.failure}`);
  }
}
