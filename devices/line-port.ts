// A serial port speaking the hokr line framing: owns the port, splits lines, matches replies to commands,
// decodes events with the devices' tables, counts what it rejects, and reports when the port goes away.
// Several drivers may share one LinePort (the combined rig controller).
import type { BindingInterface } from "@serialport/bindings-interface";
import { ReadlineParser } from "@serialport/parser-readline";
import { SerialPortStream } from "@serialport/stream";
import { Observable, Subject } from "rxjs";
import { type SessionClock, scheduleTicks } from "../src/core/clock.ts";
import { onMicrosecondGrid } from "../src/core/samples.ts";
import { DeviceClockSync } from "./clock-sync.ts";
import type { DeviceDescription } from "./description.ts";
import { eventCodec, type MessageOf, type Table } from "./messages.ts";
import { type Reply, WireError } from "./wire.ts";

export class DeviceError extends Error {}

/** How often a handshake is asked again while the device stays silent, ms. */
const HANDSHAKE_RETRY_MS = 500;

/** An OK reply, with its device time mapped onto the session clock (ms). */
export type OkReply = Reply & { kind: "ok"; tMs: number };

export interface Received<E> {
  event: E;
  /** Session clock when the line arrived, ms. */
  hostMs: number;
  /** The event's device time mapped onto the session clock (µs grid), ms. */
  tMs: number;
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
  private readonly rejections = new Subject<WireError>();
  private readonly closing = new Subject<Error | null>();
  private readonly codec;
  private isClosed = false;
  /** This device's clock against the session clock, learnt from every timestamped line. */
  readonly sync = new DeviceClockSync();
  /** Lines rejected as malformed since the port opened. */
  rejected = 0;
  /** Time one byte takes on the device's link, ms (0: not known to be slower than the host reads it). */
  private msPerByte = 0;
  readonly events$: Observable<Received<MessageOf<T>>> = this.events.asObservable();
  readonly rejected$ = this.rejections.asObservable();
  /** Emits the error each time the port goes away, and null (then completes) when we close it. */
  readonly closed$: Observable<Error | null> = this.closing.asObservable();

  constructor(
    public path: string,
    private stream: SerialPortStream,
    private readonly clock: SessionClock,
    table: T,
  ) {
    this.codec = eventCodec(table);
    this.attach(stream);
  }

  private attach(stream: SerialPortStream): void {
    stream
      .pipe(new ReadlineParser({ delimiter: "\n", encoding: "latin1" }))
      .on("data", (line: string) => this.onLine(line));
    stream.on("close", (err?: Error | null) => this.onClose(stream, err ?? null));
    stream.on("error", (err: Error) => this.onClose(stream, err));
  }

  /**
   * The device is back (perhaps under a new path, found by its serial number): carry on over the new
   * stream. Subscribers of the port's events and its clock alignment stay as they were.
   */
  reopen(path: string, stream: SerialPortStream): void {
    this.path = path;
    this.stream = stream;
    this.isClosed = false;
    this.attach(stream);
  }

  private onLine(line: string): void {
    const hostMs = this.clock.now();
    let decoded: ReturnType<typeof this.codec.decode>;
    try {
      decoded = this.codec.decode(line);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.rejected++;
      this.rejections.next(e);
      return;
    }
    const deviceUs = "deviceUs" in decoded ? decoded.deviceUs : undefined;
    // A line arrives no sooner than its own bytes have crossed the link: its arrival, less that, bounds the
    // device clock's relation from above as tightly as the link allows.
    const earliestMs = hostMs - (line.length + 1) * this.msPerByte;
    const deviceMs = typeof deviceUs === "number" ? this.sync.observe(deviceUs, earliestMs) : undefined;
    const tMs = deviceMs === undefined ? hostMs : onMicrosecondGrid(this.sync.toSessionMs(deviceMs));
    if ("kind" in decoded) {
      const waiter = this.pending.get(decoded.id);
      // A handshake asked again gets more than one answer: the late ones are expected, not malformed.
      if (!waiter && this.superseded.delete(decoded.id)) return;
      if (!waiter) {
        this.rejected++;
        this.rejections.next(new WireError(line, `reply to unknown command id ${decoded.id}`));
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
    this.events.next({ event: decoded, hostMs, tMs });
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
    }
  }

  /** Says what the device's handshake told: its lines cross a UART at `baud` (devices/description.ts). */
  identify(d: DeviceDescription): void {
    this.msPerByte = d.uartBaud === undefined ? 0 : 10_000 / d.uartBaud;
  }

  get closed(): boolean {
    return this.isClosed;
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
        if (this.pending.delete(id))
          reject(new DeviceError(`${this.path}: no reply to ${verb} within ${timeoutMs} ms`));
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
      const deadline = this.clock.schedule(
        () =>
          finish(() =>
            reject(
              new DeviceError(
                `${this.path}: no reply to ${verb} within ${timeoutMs} ms (asked ${ids.length} times)`,
              ),
            ),
          ),
        timeoutMs,
      );
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
