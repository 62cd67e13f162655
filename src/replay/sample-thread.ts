// A recorded sample file (eye.tsv, stimulus.tsv) read and encoded into its device's lines on a thread of its
// own, as a device runs on its own processor: the replay's main thread, which carries the drivers, codecs,
// pipeline and recorder, then only plays the lines. Both ends of the exchange are here. The reader writes
// batches into a few slots of shared memory (no allocation per batch, memory flat) while the player plays an
// earlier one; the player takes them synchronously, when its device asks for the next, and waits only when
// the reader is behind.
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from "node:worker_threads";
import { stimulusEvents } from "../../devices/drum/codec.ts";
import { eyeEvents } from "../../devices/eye-tracker/codec.ts";
import { FileProblem } from "../config/json-file.ts";
import { tsWorker } from "../models/kuramoto/ts-worker.ts";
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
 * Slots of shared memory: the player plays one batch while the reader fills the others (each ~1.9 MB for the
 * eye tracker's lines).
 */
const SLOTS = 4;
/**
 * The shared counters: SIGNAL changes whenever the reader has news (the player waits on it); BATCHES counts
 * the batches written, TAKEN those the player took; ENDED is set once the reader's last word (done, or what
 * went wrong) is on the port; ROWS_AT + s is the number of lines in slot s.
 */
const [SIGNAL, BATCHES, TAKEN, ENDED, ROWS_AT] = [0, 1, 2, 3, 4];
/** Longest the player waits for the reader (whose thread failed to start, say), ms. */
const LOST_MS = 30_000;

interface Slot {
  hostMs: Float64Array;
  deviceUs: Float64Array;
  tUs: Float64Array;
  ends: Uint32Array;
  bytes: Uint8Array;
}

interface ReaderSetup {
  file: string;
  stream: SampleStream;
  counters: Int32Array;
  slots: Slot[];
  port: MessagePort;
}

type LastWord = { done: true } | { problem: { file: string; problems: string[] } } | { error: string };

const shared = <A>(make: (b: SharedArrayBuffer) => A, bytes: number) => make(new SharedArrayBuffer(bytes));

/** The reader's side (recorded-samples.worker.ts): fills the slots in turn, then says it is done, or why not. */
export function serveSamples({ file, stream, counters, slots, port }: ReaderSetup): void {
  const { column, event, field } = SAMPLE_STREAMS[stream];
  const news = () => {
    Atomics.add(counters, SIGNAL, 1);
    Atomics.notify(counters, SIGNAL);
  };
  let written = 0;
  let last: LastWord = { done: true };
  try {
    for (const { rows, columns } of tsvColumns(file, ["t_us", "device_us", "host_us", column], ROWS)) {
      // Slot `written % SLOTS` last held batch written − SLOTS, which is free once the player took a batch
      // after it: the player asks for the next batch only when it is done with the one before.
      for (let taken = Atomics.load(counters, TAKEN); written - taken >= SLOTS - 1; ) {
        Atomics.wait(counters, TAKEN, taken);
        taken = Atomics.load(counters, TAKEN);
      }
      const s = written % SLOTS;
      const slot = slots[s] as Slot;
      const hostUs = columns.host_us;
      for (let i = 0; i < rows; i++) slot.hostMs[i] = (hostUs[i] as number) / 1000;
      slot.deviceUs.set(columns.device_us.subarray(0, rows));
      slot.tUs.set(columns.t_us.subarray(0, rows));
      writeSampleLines(event, slot.deviceUs, field, columns[column], rows, slot.bytes, slot.ends);
      Atomics.store(counters, ROWS_AT + s, rows);
      Atomics.store(counters, BATCHES, ++written);
      news();
    }
  } catch (e) {
    last =
      e instanceof FileProblem
        ? { problem: { file: e.file, problems: e.problems } }
        : { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(last);
  Atomics.store(counters, ENDED, 1);
  news();
}

/** The player's side: the stream's batches in order, read on the reader's thread. */
export class SampleThread implements Iterator<RecordedBatch> {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly counters = shared((b) => new Int32Array(b), (ROWS_AT + SLOTS) * 4);
  private readonly slots: Slot[];
  private taken = 0;
  private closed = false;

  constructor(
    file: string,
    private readonly stream: SampleStream,
  ) {
    const perLine = lineBytes(SAMPLE_STREAMS[stream].event);
    this.slots = Array.from({ length: SLOTS }, () => ({
      hostMs: shared((b) => new Float64Array(b), ROWS * 8),
      deviceUs: shared((b) => new Float64Array(b), ROWS * 8),
      tUs: shared((b) => new Float64Array(b), ROWS * 8),
      ends: shared((b) => new Uint32Array(b), ROWS * 4),
      bytes: shared((b) => new Uint8Array(b), ROWS * perLine),
    }));
    const { port1, port2 } = new MessageChannel();
    const setup: ReaderSetup = { file, stream, counters: this.counters, slots: this.slots, port: port2 };
    this.worker = tsWorker(new URL("./recorded-samples.worker.ts", import.meta.url), setup, [port2]);
    this.worker.unref();
    this.port = port1;
  }

  next(): IteratorResult<RecordedBatch> {
    const c = this.counters;
    while (!this.closed) {
      const signal = Atomics.load(c, SIGNAL);
      if (this.taken < Atomics.load(c, BATCHES)) {
        const slot = this.slots[this.taken % SLOTS] as Slot;
        const rows = Atomics.load(c, ROWS_AT + (this.taken % SLOTS));
        Atomics.store(c, TAKEN, ++this.taken);
        Atomics.notify(c, TAKEN);
        const { hostMs, deviceUs, tUs, bytes, ends } = slot;
        return { done: false, value: { rows, hostMs, placed: { deviceUs, tUs }, bytes, ends } };
      }
      if (Atomics.load(c, ENDED) === 1) {
        const last = receiveMessageOnPort(this.port)?.message as LastWord;
        this.close();
        if ("problem" in last) throw new FileProblem(last.problem.file, last.problem.problems);
        if ("error" in last)
          throw new Error(`reading the recorded ${this.stream} samples failed: ${last.error}`);
        break;
      }
      if (Atomics.wait(c, SIGNAL, signal, LOST_MS) === "timed-out")
        throw new Error(
          `the thread reading the recorded ${this.stream} samples did not answer in ${LOST_MS / 1000} s`,
        );
    }
    return { done: true, value: undefined };
  }

  /** Ends the reader (at the stream's end, or when the replay stops before it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }
}
