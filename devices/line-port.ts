// A serial port speaking the hokr line framing: owns the port, splits lines, matches replies to commands,
// decodes events with the devices' tables, counts what it rejects, and reports when the port goes away.
// Several drivers may share one LinePort (the combined rig controller).
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { BindingInterface } from "@serialport/bindings-interface";
import { SerialPortStream } from "@serialport/stream";
import { Observable, Subject, type Subscriber, Subscription } from "rxjs";
import { type SessionClock, scheduleTicks } from "../src/core/clock.ts";
import { DeviceError, FAULT_TEXT } from "../src/core/faults.ts";
import { BatchBuilder, onMicrosecondGrid, type SampleBatch } from "../src/core/samples.ts";
import { type DeviceClock, DeviceClockSync } from "./clock-sync.ts";
import { commandTable, type DeviceDescription, PING, rangeText } from "./description.ts";
import { commandCodec, eventCodec, MAX_FIELDS, type MessageOf, type Table } from "./messages.ts";
import { MAX_LINE_BYTES, type Reply, WireError } from "./wire.ts";

/** Every line-protocol device answers PING (devices/description.ts): the port sends it itself. */
const pingCodec = commandCodec(commandTable({ PING }));
const ping = (id: number) => pingCodec.encode(id, { tag: "PING" });

/** How often a handshake is asked again while the device stays silent, ms. */
const HANDSHAKE_RETRY_MS = 500;
/** PINGs at most that seed a device's clock fit at connect (settleClock), and the round trip that is quick, ms. */
const SETTLE_PINGS = 5;
const QUICK_ROUND_TRIP_MS = 2;
/** How long one of those PINGs is waited for, ms: a device that does not answer is not held up for long. */
const SETTLE_PING_TIMEOUT_MS = 250;

/**
 * Lets bytes already received but not yet read reach their parser: one event-loop turn for the I/O poll,
 * one for what it resolves. A timer that fires first after the host was stalled (suspended with Ctrl-Z,
 * swapping) waits for this before judging a device silent.
 */
export async function readPending(): Promise<void> {
  await yieldToEventLoop();
  await yieldToEventLoop();
}

/** An OK reply, with its device time mapped onto the session clock (ms). */
export type OkReply = Reply & { kind: "ok"; tMs: number };

/**
 * What a port saw besides decoded events: a line it rejected (malformed, too long, or stamped out of line
 * with the device's clock), the device clock starting again (the device said `! … boot`, or its clock
 * jumped), each with the session time it happened.
 */
export type PortNote =
  | { kind: "rejected-line"; hostMs: number; line: string; reason: string }
  | { kind: "reset"; hostMs: number; tMs: number; text: string }
  | { kind: "clock-jump"; hostMs: number; tMs: number; jumpMs: number };

/** Does a device message (`! <t> <text>`) say the device has just started (power-up, reset, watchdog reboot)? */
export const isBootMessage = (text: string): boolean => /^boot\b/.test(text);

export interface Received<E> {
  event: E;
  /** Session clock when the line arrived, ms. */
  hostMs: number;
  /** The event's device time mapped onto the session clock (µs grid), ms. */
  tMs: number;
  /**
   * "arrival": the clock alignment rejected the event's timestamp, so `tMs` is its arrival less its transit
   * (the device did report the event; only its stamp is out of line).
   */
  clock?: "arrival";
}

/** Opens a port with a clear error naming it and what to check. */
export async function openSerialStream(
  binding: BindingInterface,
  path: string,
  baudRate: number,
): Promise<SerialPortStream> {
  const stream = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => stream.open((e) => (e ? reject(e) : resolve())));
  } catch (e) {
    const msg = String((e as Error).message);
    const hint = /no such file|ENOENT|cannot open/i.test(msg)
      ? "no such port; check the cable and run `hokr ports`"
      : /lock|busy|EBUSY|unavailable/i.test(msg)
        ? "the port is in use by another program (a serial monitor, another hokr); close it"
        : /EACCES|permission/i.test(msg)
          ? "permission denied; add your user to the 'dialout' group and log in again"
          : msg;
    throw new DeviceError(`cannot open ${path}: ${hint}`);
  }
  return stream;
}

export class LinePort<T extends Table> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: OkReply) => void; reject: (e: Error) => void; verb: string }
  >();
  /** Ids of handshake attempts answered by another attempt: their replies may still come. */
  private readonly superseded = new Set<number>();
  private readonly events = new Subject<Received<MessageOf<T>>>();
  /** Where each sample tag's lines go instead of events$ while it has sinks, by tag (see `samples`). */
  private readonly streams = new Map<string, SampleStream>();
  /** The fields of the line being read, as the codec's fast path decodes them. */
  private readonly fields = new Float64Array(MAX_FIELDS);
  private readonly rejections = new Subject<WireError>();
  private readonly notes = new Subject<PortNote>();
  private readonly closing = new Subject<Error | null>();
  private readonly codec;
  private isClosed = false;
  /** This device's clock against the session clock, learnt from every timestamped line. */
  readonly sync: DeviceClock;
  /** Lines rejected as malformed since the port opened. */
  rejected = 0;
  /** Time one byte takes on the device's link, ms (0: not known to be slower than the host reads it). */
  private msPerByte = 0;
  /** Tags of the identified devices' sample streams (EventSpec.sample). */
  private readonly sampleTags = new Set<string>();
  /** Every decoded event but the samples that go to a `samples` stream. */
  readonly events$: Observable<Received<MessageOf<T>>> = this.events.asObservable();
  readonly rejected$ = this.rejections.asObservable();
  /** Rejected lines, device resets and clock jumps, as they happen. */
  readonly notes$: Observable<PortNote> = this.notes.asObservable();
  /** Emits the error each time the port goes away, and null (then completes) when we close it. */
  readonly closed$: Observable<Error | null> = this.closing.asObservable();

  constructor(
    public path: string,
    private stream: SerialPortStream,
    private readonly clock: SessionClock,
    table: T,
    /** How device times are placed on the session clock (replay places them where the recording did). */
    deviceClock: DeviceClock = new DeviceClockSync(),
    /** Longest line the device sends, bytes; longer ones are cut off, counted and skipped to the next newline. */
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.sync = deviceClock;
    // The clock relation learnt while connecting holds across the session's start (the zero moving then).
    clock.onZeroMoved((elapsedMs) => this.sync.shiftSession(elapsedMs));
    this.codec = eventCodec(table);
    this.attach(stream);
  }

  private attach(stream: SerialPortStream): void {
    // Lines split here, not by a readline parser: a device that never sends a newline must not make one line
    // of everything after it, nor grow a buffer without bound. A line within one read is decoded from the
    // read's bytes (no string unless the general decoder is needed); one cut by a read boundary, as text.
    let partial = "";
    let discarding = false;
    const split = (chunk: Buffer) => {
      let from = 0;
      for (let nl = chunk.indexOf(10, from); nl >= 0; nl = chunk.indexOf(10, from)) {
        if (discarding) discarding = false;
        else if (partial !== "") {
          const line = partial + chunk.toString("latin1", from, nl);
          partial = "";
          this.onText(line);
        } else if (nl - from > this.maxLineBytes + 1)
          this.reject(chunk.toString("latin1", from, nl), `longer than ${this.maxLineBytes} bytes`);
        else this.onBytes(chunk, from, nl);
        from = nl + 1;
      }
      if (discarding || from === chunk.length) return;
      partial += chunk.toString("latin1", from);
      if (partial.length > this.maxLineBytes + 1) {
        this.reject(partial, `no newline within ${this.maxLineBytes} bytes; skipped to the next newline`);
        partial = "";
        discarding = true;
      }
    };
    stream.on("data", (chunk: Buffer) => {
      if (stream !== this.stream) return;
      split(chunk);
      // The samples of this read go on as one batch.
      for (const s of this.streams.values()) for (const sink of s.sinks) sink.flush();
    });
    stream.on("close", (err?: Error | null) => this.onClose(stream, err ?? null));
    stream.on("error", (err: Error) => this.onClose(stream, err));
  }

  /**
   * The device is back (perhaps under a new path, found by its serial number): carry on over the new
   * stream. Subscribers of the port's events stay as they were; its clock alignment starts again, since a
   * device that was unplugged has most likely restarted its clock.
   */
  reopen(path: string, stream: SerialPortStream): void {
    this.sync.restart();
    this.path = path;
    this.stream = stream;
    this.isClosed = false;
    this.attach(stream);
  }

  /** Counts a line the port will not use, and says why (rejected$, notes$). */
  reject(line: string, reason: string): void {
    this.rejected++;
    const e = new WireError(line, reason);
    this.rejections.next(e);
    this.notes.next({
      kind: "rejected-line",
      hostMs: this.clock.now(),
      line: line.length > 80 ? `${line.slice(0, 80)}…` : line,
      reason,
    });
  }

  /** A line cut by a read boundary (or too long): as text. */
  private onText(line: string): void {
    if (line.length > this.maxLineBytes + 1) this.reject(line, `longer than ${this.maxLineBytes} bytes`);
    else this.onLine(line);
  }

  /** The line `chunk[from..to)`: a plain numeric event straight from its bytes, anything else as text. */
  private onBytes(chunk: Buffer, from: number, to: number): void {
    const f = this.fields;
    const e = this.codec.decodeBytes(chunk, from, to, f);
    if (!e) this.onLine(chunk.toString("latin1", from, to), this.codec.decodeInFull);
    else {
      const stream = this.sinksOf(e.tag);
      if (stream) this.onSample(stream, e.tag, f, to - from, chunk, from, to);
      else this.onDecoded(this.codec.message(e, f), to - from, () => chunk.toString("latin1", from, to));
    }
  }

  /** A line as text, decoded by `decode` (the general decoder where the fast path has already said no). */
  private onLine(line: string, decode = this.codec.decode): void {
    let decoded: ReturnType<typeof this.codec.decode>;
    try {
      decoded = decode(line);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.reject(line, e.reason);
      return;
    }
    const stream = "tag" in decoded ? this.sinksOf(decoded.tag) : undefined;
    if (stream) {
      // A sample the fast path left to the general one (`nan` while the pupil is lost): to its sinks all the same.
      const f = this.fields;
      this.codec.specs((decoded as { tag: string }).tag).forEach((s, k) => {
        const v = (decoded as Record<string, unknown>)[s.name];
        f[k] = typeof v === "number" ? v : Number.NaN;
      });
      this.onSample(stream, (decoded as { tag: string }).tag, f, line.length, line, 0, line.length);
    } else this.onDecoded(decoded, line.length, () => line);
  }

  /** The sample stream of `tag`, if it has sinks. */
  private sinksOf(tag: string): SampleStream | undefined {
    const stream = this.streams.get(tag);
    return stream && stream.sinks.length > 0 ? stream : undefined;
  }

  /**
   * A sample line for the `samples` streams (fields `f`, device time first): placed on the session clock and
   * added to their batches. `text[from..to)` is the line, made a string only if it is rejected.
   */
  private onSample(
    stream: SampleStream,
    tag: string,
    f: Float64Array,
    bytes: number,
    text: Buffer | string,
    from: number,
    to: number,
  ): void {
    const hostMs = this.clock.now();
    const deviceUs = f[0] as number;
    const earliestMs = hostMs - (bytes + 1) * this.msPerByte;
    const placed = this.sync.place(deviceUs, earliestMs, tag);
    let tMs: number;
    if (placed.ok) {
      tMs = onMicrosecondGrid(placed.tMs);
      if (placed.jumpMs !== undefined)
        this.notes.next({ kind: "clock-jump", hostMs, tMs, jumpMs: placed.jumpMs });
    } else if (this.sampleTags.has(tag)) {
      this.reject(typeof text === "string" ? text : text.toString("latin1", from, to), placed.reason);
      return;
    } else tMs = onMicrosecondGrid(earliestMs);
    stream.heardMs = hostMs;
    for (const sink of stream.sinks) sink.add(tag, f, tMs, deviceUs, hostMs);
  }

  /** Any other decoded line (`bytes` long; `line` gives its text for a rejection). */
  private onDecoded(decoded: Reply | MessageOf<T>, bytes: number, line: () => string): void {
    const hostMs = this.clock.now();
    const deviceUs = "deviceUs" in decoded ? decoded.deviceUs : undefined;
    // A device that has just started has a new clock: the old relation no longer holds.
    const boot =
      "tag" in decoded && decoded.tag === "!" && isBootMessage(String((decoded as { text?: unknown }).text));
    if (boot) this.sync.restart();
    // A line arrives no sooner than its own bytes have crossed the link: its arrival, less that, bounds the
    // device clock's relation from above as tightly as the link allows.
    const earliestMs = hostMs - (bytes + 1) * this.msPerByte;
    const placed =
      typeof deviceUs === "number"
        ? this.sync.place(deviceUs, earliestMs, "tag" in decoded ? decoded.tag : "reply")
        : undefined;
    let tMs = hostMs;
    let byArrival = false;
    if (placed?.ok) {
      tMs = onMicrosecondGrid(placed.tMs);
      if (placed.jumpMs !== undefined)
        this.notes.next({ kind: "clock-jump", hostMs, tMs, jumpMs: placed.jumpMs });
    } else if (placed && !("kind" in decoded)) {
      // A stamp out of line with the device's clock moves nothing (the fit counts it). A sample with it is
      // dropped; any other event (a light edge, a watchdog trip) did happen: it is kept, placed by its arrival.
      if (this.sampleTags.has(decoded.tag)) {
        this.reject(line(), placed.reason);
        return;
      }
      tMs = onMicrosecondGrid(earliestMs);
      byArrival = true;
    }
    if (boot)
      this.notes.next({
        kind: "reset",
        hostMs,
        tMs,
        text: String((decoded as unknown as { text: string }).text),
      });
    if ("kind" in decoded) {
      const waiter = this.pending.get(decoded.id);
      // A handshake asked again gets more than one answer: the late ones are expected, not malformed.
      if (!waiter && this.superseded.delete(decoded.id)) return;
      if (!waiter) {
        this.reject(line(), `reply to unknown command id ${decoded.id}`);
        return;
      }
      this.pending.delete(decoded.id);
      if (decoded.kind === "ok") waiter.resolve({ ...decoded, tMs });
      else
        waiter.reject(
          new DeviceError(`${this.path}: ${waiter.verb} refused: ERR ${decoded.code} ${decoded.text}`),
        );
      return;
    }
    this.events.next(
      byArrival ? { event: decoded, hostMs, tMs, clock: "arrival" } : { event: decoded, hostMs, tMs },
    );
  }

  /**
   * The port's samples of the given tags in batches: those of one read of the port in one batch, `deg` giving
   * each one's position from its fields (in its description's order, the device time first). Their lines go
   * to these streams instead of events$ while one is subscribed. An exception in `deg` reaches the
   * subscriber's error path.
   */
  samples(tags: readonly string[], deg: (f: Float64Array, tag: string) => number): Observable<SampleBatch> {
    return new Observable<SampleBatch>((sub) => {
      const sink = new SampleSink(deg, sub);
      for (const tag of tags) {
        if (this.codec.specs(tag)[0]?.kind !== "time")
          throw new Error(`samples: '${tag}' is not a sample event (device time first)`);
        const stream = this.streams.get(tag);
        if (stream) stream.sinks = [...stream.sinks, sink];
        else this.streams.set(tag, { sinks: [sink], heardMs: Number.NEGATIVE_INFINITY });
      }
      return () => {
        for (const tag of tags) {
          const stream = this.streams.get(tag);
          if (stream) stream.sinks = stream.sinks.filter((x) => x !== sink);
        }
      };
    });
  }

  /** A port that went away emits its error on closed$; only close() ends the port for good. */
  private onClose(stream: SerialPortStream, err: Error | null): void {
    if (this.isClosed || stream !== this.stream) return;
    this.isClosed = true;
    const reason = err ?? new DeviceError(`${this.path}: port closed`);
    for (const w of this.pending.values())
      w.reject(new DeviceError(`${this.path}: ${w.verb}: ${reason.message}`));
    this.pending.clear();
    this.closing.next(err);
    if (err === null) {
      this.closing.complete();
      this.events.complete();
      for (const s of this.streams.values()) for (const sink of s.sinks) sink.complete();
    }
  }

  /**
   * Says what the device's handshake told: its lines cross a UART at `baud`, and which of its events are
   * samples (devices/description.ts).
   */
  identify(d: DeviceDescription): void {
    this.msPerByte = d.uartBaud === undefined ? 0 : 10_000 / d.uartBaud;
    for (const [tag, e] of Object.entries(d.events)) if (e.sample) this.sampleTags.add(tag);
  }

  /**
   * Round trips that seed this device's clock fit before it streams. A reply stamped between the host's send
   * and its receipt bounds the clock relation within that round trip; the first lines of a stream, sent while
   * the host is busy starting a session, can all arrive late, and without a quick reply before them they
   * would be placed late by as much. PINGs until one comes back within `quickMs` (or `rounds` were asked);
   * a device that does not answer is left to its stream.
   */
  async settleClock(rounds = SETTLE_PINGS, quickMs = QUICK_ROUND_TRIP_MS) {
    for (let i = 0; i < rounds; i++) {
      const sentMs = this.clock.now();
      const answered = await this.request("PING", ping, SETTLE_PING_TIMEOUT_MS).then(
        () => true,
        () => false,
      );
      if (!answered || this.clock.now() - sentMs <= quickMs) return;
    }
  }

  /**
   * Resolves once every line the device sent before this call has been read — its reply to a PING comes
   * after them — or the port is gone, or `timeoutMs` of the session clock passed without the reply. Ends a
   * session's record at what the device sent, however long its lines were in flight, not after a guessed wait.
   */
  async caughtUp(timeoutMs: number): Promise<void> {
    await this.request("PING", ping, timeoutMs).catch(() => {});
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Watches a streaming device for silence: once no event of `tags` has arrived for `silenceMs` of session
   * time, reads what is pending first (a stalled host), then PINGs the device — a port that went away, where
   * reading shows nothing amiss, fails that write and is reported on closed$ — and calls `silent` (once) if
   * the device still sent nothing. Ends with the port, or when unsubscribed.
   */
  watchSilence(tags: readonly string[], silenceMs: number, silent: () => void): Subscription {
    let lastMs = this.clock.now();
    const port = this;
    const watch = new Subscription();
    watch.add(
      this.events$.subscribe((r) => {
        if (tags.includes(r.event.tag)) lastMs = r.hostMs;
      }),
    );
    // Samples go to their streams instead of events$: when the last of them arrived.
    const quiet = () => {
      for (const tag of tags) lastMs = Math.max(lastMs, this.streams.get(tag)?.heardMs ?? lastMs);
      return this.clock.now() - lastMs > silenceMs;
    };
    watch.add(
      this.clock.schedule(function () {
        if (!quiet()) {
          this.schedule(undefined, silenceMs / 4);
          return;
        }
        void readPending()
          .then(async () => {
            if (quiet()) await port.request("PING", ping, silenceMs / 4).catch(() => {});
            return !quiet();
          })
          .then((talking) => {
            if (this.closed || port.closed) return;
            if (talking) this.schedule(undefined, silenceMs / 4);
            else silent();
          });
      }, silenceMs / 4),
    );
    watch.add(this.closed$.subscribe(() => watch.unsubscribe()));
    return watch;
  }

  /**
   * Sends a command and resolves with its OK reply; rejects on ERR, on closing, or after `timeoutMs` of the
   * session clock without a reply.
   */
  request(verb: string, encode: (id: number) => string, timeoutMs = 1000): Promise<OkReply> {
    if (this.isClosed) return Promise.reject(new DeviceError(`${this.path}: ${verb}: port is closed`));
    const id = this.nextId;
    this.nextId = (this.nextId % 65535) + 1;
    return new Promise((resolve, reject) => {
      const timer = this.clock.schedule(() => {
        // After a host stall the timer runs before the reply waiting unread: read it first.
        void readPending().then(() => {
          if (this.pending.delete(id))
            reject(new DeviceError(FAULT_TEXT.noReply(this.path, verb, timeoutMs)));
        });
      }, timeoutMs);
      this.pending.set(id, {
        verb,
        resolve: (r) => {
          timer.unsubscribe();
          resolve(r);
        },
        reject: (e) => {
          timer.unsubscribe();
          reject(e);
        },
      });
      this.stream.write(`${encode(id)}\n`);
    });
  }

  /**
   * The handshake (HELLO): like `request`, but asked again every `retryMs` until one answer arrives or
   * `timeoutMs` pass. A board that resets when its port opens is deaf while its bootloader runs (~1–2 s) and
   * loses what was sent meanwhile; the first answer wins and the others' late replies are ignored.
   */
  handshake(
    verb: string,
    encode: (id: number) => string,
    timeoutMs: number,
    retryMs = HANDSHAKE_RETRY_MS,
  ): Promise<OkReply> {
    if (this.isClosed) return Promise.reject(new DeviceError(`${this.path}: ${verb}: port is closed`));
    const ids: number[] = [];
    return new Promise((resolve, reject) => {
      const finish = (settle: () => void) => {
        settled = true;
        retries.unsubscribe();
        deadline.unsubscribe();
        for (const id of ids) if (this.pending.delete(id)) this.superseded.add(id);
        settle();
      };
      const ask = () => {
        const id = this.nextId;
        this.nextId = (this.nextId % 65535) + 1;
        ids.push(id);
        this.pending.set(id, {
          verb,
          resolve: (r) => finish(() => resolve(r)),
          reject: (e) => finish(() => reject(e)),
        });
        this.stream.write(`${encode(id)}\n`);
      };
      let settled = false;
      const deadline = this.clock.schedule(() => {
        retries.unsubscribe();
        // After a host stall the deadline runs before the answer waiting unread: read it first.
        void readPending().then(() => {
          if (!settled)
            finish(() =>
              reject(
                new DeviceError(
                  `${FAULT_TEXT.noReply(this.path, verb, timeoutMs)} (asked ${ids.length} times)`,
                ),
              ),
            );
        });
      }, timeoutMs);
      const retries = scheduleTicks(this.clock, this.clock.now() + retryMs, retryMs, ask);
      ask();
    });
  }

  /** Commands in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (!this.isClosed) await new Promise<void>((resolve) => this.stream.close(() => resolve()));
    this.isClosed = false; // so that the final close is reported even after a loss
    this.onClose(this.stream, null);
  }
}

/** Observable of one port's events of the given tags. */
export const eventsOf = <T extends Table, K extends keyof T & string>(port: LinePort<T>, ...tags: K[]) =>
  new Observable<Received<Extract<MessageOf<T>, { tag: K }>>>((sub) =>
    port.events$.subscribe({
      next: (r) => {
        if ((tags as string[]).includes(r.event.tag))
          sub.next(r as Received<Extract<MessageOf<T>, { tag: K }>>);
      },
      complete: () => sub.complete(),
    }),
  );

/**
 * A sample tag's `samples` sinks, and the session clock when a line of it last reached them, ms (watchSilence;
 * a field, not a Map of numbers: it is set for every sample, and a Map boxes each number it holds).
 */
interface SampleStream {
  sinks: readonly SampleSink[];
  heardMs: number;
}

/** A `samples` stream's batch in the making. */
class SampleSink {
  private readonly batch = new BatchBuilder();
  private failed = false;

  constructor(
    private readonly deg: (f: Float64Array, tag: string) => number,
    private readonly sub: Subscriber<SampleBatch>,
  ) {}

  add(tag: string, f: Float64Array, tMs: number, deviceUs: number, hostMs: number): void {
    if (this.failed) return;
    try {
      this.batch.push(tMs, deviceUs, hostMs, this.deg(f, tag));
    } catch (e) {
      this.failed = true;
      this.sub.error(e);
    }
  }

  flush(): void {
    const b = this.batch.take();
    if (b && !this.failed) this.sub.next(b);
  }

  complete(): void {
    this.flush();
    this.sub.complete();
  }
}

/**
 * Checks a HELLO reply (`<device> <version> <values…>`) against the descriptions the driver accepts: the
 * device kind, the protocol version, and every reply value against its field's range. Returns the matching
 * description and the values by field name; a DeviceError naming the port and the fix otherwise.
 */
export function checkHello(
  path: string,
  values: readonly string[],
  accepts: readonly DeviceDescription[],
): { description: DeviceDescription; fields: Record<string, string> } {
  const [device, version, ...rest] = values;
  const description = accepts.find((d) => d.device === device);
  if (!description)
    throw new DeviceError(
      `${path}: answered as '${device ?? "?"}', expected ${accepts.map((d) => d.device).join(" or ")}; check the rig configuration's ports`,
    );
  if (version !== String(description.version))
    throw new DeviceError(
      `${path}: ${device} speaks protocol version ${version ?? "?"}, this hokr speaks version ${description.version}; flash the matching firmware (\`hokr flash\`) or use the matching hokr`,
    );
  const specs = description.commands.HELLO?.reply ?? [];
  const fields: Record<string, string> = {};
  specs.forEach((s, i) => {
    const v = rest[i];
    const n = Number(v);
    const inRange =
      v !== undefined &&
      (s.kind === "word"
        ? (s.words ?? []).includes(v)
        : s.kind === "text" ||
          (v.trim() !== "" &&
            Number.isFinite(n) &&
            (s.min === undefined || n >= s.min) &&
            (s.max === undefined || n <= s.max)));
    if (!inRange)
      throw new DeviceError(
        `${path}: ${device}'s HELLO gave ${s.name} '${v ?? ""}', outside its range ${rangeText(s)}; check the device's firmware`,
      );
    fields[s.name] = v;
  });
  return { description, fields };
}
