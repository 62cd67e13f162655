// The recorded sample files (eye.tsv, stimulus.tsv) read and encoded into their devices' lines on a thread of
// their own, as a device runs on its own processor: the replay's main thread, which carries the drivers, codecs,
// pipeline and recorder, then only plays the lines. Both ends of the exchange are here. The reader writes
// batches into a few slots of shared memory (no allocation per batch, memory flat) while the player plays an
// earlier one; the player takes them synchronously, when its device asks for the next, and waits only when
// the reader is behind.
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from "node:worker_threads";
import { stimulusEvents } from "../../devices/drum/codec.ts";
import { eyeEvents } from "../../devices/eye-tracker/codec.ts";
import { FileProblem } from "../config/json-file.ts";
import { sharedArray, tsWorker } from "../core/ts-worker.ts";
import { tsvColumns } from "../recording/recorded-rows.ts";
import { lineBytes, type RecordedBatch, writeSampleLines } from "./recorded-lines.ts";

/** Each recorded sample stream: its value column, and the event and field its device sent it as. */
const SAMPLE_STREAMS = {
  eye: { column: "x_deg", event: eyeEvents.numeric("S"), field: "xDeg" },
  stimulus: { column: "position_deg", event: stimulusEvents.numeric("P"), field: "positionDeg" },
} as const;

export type SampleStream = keyof typeof SAMPLE_STREAMS;

/** Lines per batch. */
const ROWS = 1 << 14;
/**
 * Slots of shared memory: the player plays one batch while the reader fills the others (each ~2.2 MB for the
 * eye tracker's lines).
 */
const SLOTS = 4;
/**
 * Each stream's counters: BATCHES counts the batches written, TAKEN those the player took; ENDED is set once the
 * reader's last word on the stream (done, or what went wrong) is on the port; ROWS_AT + s is the number of lines
 * in slot s. The reader's own counter WAKE changes whenever a player took a batch (the reader waits on it
 * when every stream's slots are full), and each stream's NEWS whenever it wrote one (its player waits on that).
 */
const [NEWS, BATCHES, TAKEN, ENDED, ROWS_AT] = [0, 1, 2, 3, 4];
const WAKE = 0;
/** Longest a player waits for the reader (whose thread failed to start, say), ms. */
const LOST_MS = 30_000;

interface Slot {
  hostMs: Float64Array;
  deviceUs: Float64Array;
  tUs: Float64Array;
  ends: Uint32Array;
  bytes: Uint8Array;
}

/** One stream as the reader sees it. */
interface StreamSetup {
  file: string;
  stream: SampleStream;
  counters: Int32Array;
  slots: Slot[];
}

interface ReaderSetup {
  streams: StreamSetup[];
  wake: Int32Array;
  port: MessagePort;
}

type LastWord = { done: true } | { problem: { file: string; problems: string[] } } | { error: string };

/**
 * The reader's side (recorded-samples.worker.ts): fills each stream's slots in turn, whichever has room, then
 * says for each that it is done, or why not.
 */
export function serveSamples({ streams, wake, port }: ReaderSetup): void {
  const readers = streams.map((s, index) => {
    const { column, event, field } = SAMPLE_STREAMS[s.stream];
    return {
      ...s,
      index,
      event,
      field,
      column,
      batches: tsvColumns(s.file, ["t_us", "device_us", "host_us", column], ROWS),
      written: 0,
      ended: false,
    };
  });
  const say = (r: (typeof readers)[number], last: LastWord) => {
    r.ended = true;
    port.postMessage({ stream: r.index, last });
    Atomics.store(r.counters, ENDED, 1);
    Atomics.add(r.counters, NEWS, 1);
    Atomics.notify(r.counters, NEWS);
  };
  while (readers.some((r) => !r.ended)) {
    const woken = Atomics.load(wake, WAKE);
    let wrote = false;
    for (const r of readers) {
      // Slot `written % SLOTS` last held batch written − SLOTS, which is free once the player took a batch
      // after it: the player asks for the next batch only when it is done with the one before.
      if (r.ended || r.written - Atomics.load(r.counters, TAKEN) >= SLOTS - 1) continue;
      wrote = true;
      let next: IteratorResult<{ rows: number; columns: Record<string, Float64Array> }>;
      try {
        next = r.batches.next();
      } catch (e) {
        say(
          r,
          e instanceof FileProblem
            ? { problem: { file: e.file, problems: e.problems } }
            : { error: e instanceof Error ? (e.stack ?? e.message) : String(e) },
        );
        continue;
      }
      if (next.done) {
        say(r, { done: true });
        continue;
      }
      const { rows, columns } = next.value;
      const s = r.written % SLOTS;
      const slot = r.slots[s] as Slot;
      const hostUs = columns.host_us as Float64Array;
      for (let i = 0; i < rows; i++) slot.hostMs[i] = (hostUs[i] as number) / 1000;
      slot.deviceUs.set((columns.device_us as Float64Array).subarray(0, rows));
      slot.tUs.set((columns.t_us as Float64Array).subarray(0, rows));
      writeSampleLines(
        r.event,
        slot.deviceUs,
        r.field,
        columns[r.column] as Float64Array,
        rows,
        slot.bytes,
        slot.ends,
      );
      Atomics.store(r.counters, ROWS_AT + s, rows);
      Atomics.store(r.counters, BATCHES, ++r.written);
      Atomics.add(r.counters, NEWS, 1);
      Atomics.notify(r.counters, NEWS);
    }
    if (!wrote) Atomics.wait(wake, WAKE, woken);
  }
}

/**
 * The player's side: one thread reading several recorded sample files (one isolate, not one per file), each
 * played as an iterator of its batches in order.
 */
export class RecordingReader {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly wake = sharedArray(Int32Array, 1);
  /** Last words received for streams whose player has not asked yet. */
  private readonly lastWords = new Map<number, LastWord>();
  readonly streams: Iterator<RecordedBatch>[];
  private ended = false;

  constructor(files: readonly { file: string; stream: SampleStream }[]) {
    const setups = files.map(({ file, stream }): StreamSetup => {
      const perLine = lineBytes(SAMPLE_STREAMS[stream].event);
      return {
        file,
        stream,
        counters: sharedArray(Int32Array, ROWS_AT + SLOTS),
        slots: Array.from({ length: SLOTS }, () => ({
          hostMs: sharedArray(Float64Array, ROWS),
          deviceUs: sharedArray(Float64Array, ROWS),
          tUs: sharedArray(Float64Array, ROWS),
          ends: sharedArray(Uint32Array, ROWS),
          bytes: sharedArray(Uint8Array, ROWS * perLine),
        })),
      };
    });
    const { port1, port2 } = new MessageChannel();
    const setup: ReaderSetup = { streams: setups, wake: this.wake, port: port2 };
    this.worker = tsWorker(new URL("./recorded-samples.worker.ts", import.meta.url), setup, [port2]);
    this.worker.unref();
    this.port = port1;
    this.streams = setups.map((s, i) => new StreamPlayer(this, i, s));
  }

  /** Whether it was closed: its streams end there. */
  get closed(): boolean {
    return this.ended;
  }

  /** A player took a batch: the reader may fill its slot. */
  took(): void {
    Atomics.add(this.wake, WAKE, 1);
    Atomics.notify(this.wake, WAKE);
  }

  /** Stream `index`'s last word (it is on the port: the stream's ENDED is set). */
  lastWord(index: number): LastWord {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const { stream, last } = m.message as { stream: number; last: LastWord };
      this.lastWords.set(stream, last);
    }
    return this.lastWords.get(index) ?? { error: "the reader ended without a word" };
  }

  /** Ends the reader (after the streams' ends, or when the replay stops before them): its streams end too. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.port.close();
    void this.worker.terminate();
  }
}

/** One stream of a RecordingReader: its batches in order, taken synchronously. */
class StreamPlayer implements Iterator<RecordedBatch> {
  private taken = 0;
  private ended = false;

  constructor(
    private readonly reader: RecordingReader,
    private readonly index: number,
    private readonly setup: StreamSetup,
  ) {}

  next(): IteratorResult<RecordedBatch> {
    const c = this.setup.counters;
    while (!this.ended && !this.reader.closed) {
      const news = Atomics.load(c, NEWS);
      if (this.taken < Atomics.load(c, BATCHES)) {
        const s = this.taken % SLOTS;
        const rows = Atomics.load(c, ROWS_AT + s);
        Atomics.store(c, TAKEN, ++this.taken);
        this.reader.took();
        const { hostMs, deviceUs, tUs, bytes, ends } = this.setup.slots[s] as Slot;
        return { done: false, value: { rows, hostMs, placed: { deviceUs, tUs }, bytes, ends } };
      }
      if (Atomics.load(c, ENDED) === 1) {
        this.ended = true;
        const last = this.reader.lastWord(this.index);
        if ("problem" in last) throw new FileProblem(last.problem.file, last.problem.problems);
        if ("error" in last)
          throw new Error(`reading the recorded ${this.setup.stream} samples failed: ${last.error}`);
        break;
      }
      if (Atomics.wait(c, NEWS, news, LOST_MS) === "timed-out")
        throw new Error(
          `the thread reading the recorded ${this.setup.stream} samples did not answer in ${LOST_MS / 1000} s`,
        );
    }
    return { done: true, value: undefined };
  }
}
