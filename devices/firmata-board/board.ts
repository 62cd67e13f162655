// A johnny-five Board on a StandardFirmata board reached over any Duplex stream (a serialport 13
// SerialPortStream on a rig). johnny-five 2.1 never gets to open or list ports itself: its port detection
// calls `require("serialport").list()`, which serialport ≥ 10 broke, so the stream is wrapped in firmata-io's
// Firmata here and handed to the Board as `io`.
import type { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import firmataIo from "firmata-io";
import five from "johnny-five";
import { type Observable, ReplaySubject } from "rxjs";
import { type SessionClock, scheduleTicks } from "../../src/core/clock.ts";
import { FIRMATA_BOOT_MS, FIRMATA_HANDSHAKE_MS } from "./standard-firmata.ts";

/** What the drivers use of a Firmata IO instance (firmata-io's Firmata, or mock-firmata in tests). */
export interface FirmataIo extends EventEmitter {
  readonly isReady: boolean;
  readonly MODES: Record<string, number>;
  readonly pins: ReadonlyArray<{ supportedModes: readonly number[] }>;
}

/** How a link went away: an unplug shows as `closed` (firmata-io 2.3 never emits 'disconnect'). */
export interface FirmataLinkLost {
  port: string;
  reason: "closed" | "error";
  error?: Error;
}

export interface FirmataBoard {
  /** Ready: build `Led`s and `Servo`s on it with `{ board }`. */
  readonly board: five.Board;
  readonly io: FirmataIo;
  /** The port's name, for messages. */
  readonly port: string;
  /** What the firmware reported of itself: its name and Firmata protocol version, e.g. ["StandardFirmata.ino", "2.4"]. */
  readonly identity: string[];
  /**
   * Emits once if the link goes away on its own (unplug, I/O error), then completes; replays to late
   * subscribers. Completes without emitting after `close()`. The rig switches its other lights off on it.
   */
  readonly lost$: Observable<FirmataLinkLost>;
  /** Closes the link. Switch lights off and stop the servo first: after this nothing reaches the board. */
  close(): Promise<void>;
}

export interface FirmataConnectOptions {
  /** The session clock the handshake's timeouts run on. */
  clock: SessionClock;
  /**
   * How long the board has to finish its handshake, ms (default FIRMATA_HANDSHAKE_MS): a board that resets
   * when its port opens is silent for its bootloader and then StandardFirmata's own boot (~1.9 s).
   */
  timeoutMs?: number;
  /** Name used in messages; default: the stream's `path` (a SerialPort's). */
  port?: string;
}

/** Longest timer Node accepts (a larger one fires at once). */
const NEVER_MS = 2 ** 31 - 1;

/** johnny-five's Board takes `sigint`, which @types/johnny-five 2.1 does not list. */
type BoardOptions = five.BoardOption & { sigint?: boolean };

const nameOf = (stream: Duplex): string | undefined => {
  const path = (stream as { path?: unknown }).path;
  return typeof path === "string" ? path : undefined;
};

/**
 * Connects to a StandardFirmata board over `stream` and resolves once johnny-five's Board is ready. Rejects,
 * naming the port, if the board does not answer within `timeoutMs` or the port fails or closes first; the
 * stream is destroyed then.
 */
export function connectFirmataBoard(stream: Duplex, options: FirmataConnectOptions): Promise<FirmataBoard> {
  const { clock, timeoutMs = FIRMATA_HANDSHAKE_MS } = options;
  const { Firmata } = firmataIo;
  // firmata-io's own wall-clock timer for asking is kept from firing; the ask runs on the session clock.
  const io = new Firmata(stream, { reportVersionTimeout: NEVER_MS });
  clearTimeout(io.reportVersionTimeoutId);
  // A board that resets on open reports its version unsolicited once booted; one that does not (DTR not
  // wired, or already running) is asked explicitly, once a booting one would have reported, and asked again
  // as long as it stays silent (a board still in its bootloader loses what it is sent).
  const askEveryMs = Math.min(FIRMATA_BOOT_MS, timeoutMs / 2);
  const ask = scheduleTicks(clock, clock.now() + askEveryMs, askEveryMs, () => {
    if (io.versionReceived) return ask.unsubscribe();
    io.reportVersion(() => {});
    io.queryFirmware(() => {});
  });
  const closeTransport = () =>
    new Promise<void>((resolve) => {
      ask.unsubscribe();
      if (stream.destroyed) return resolve();
      stream.once("close", () => resolve());
      // A SerialPortStream's destroy() leaves the port itself open (and locked): close it first.
      const port = stream as Duplex & { isOpen?: boolean; close?: (done: () => void) => void };
      if (port.isOpen && port.close) port.close(() => stream.destroy());
      else stream.destroy();
    });
  return connectBoardIo(
    io,
    { ...options, port: options.port ?? nameOf(stream) ?? "the Firmata stream" },
    closeTransport,
  );
}

/**
 * The Board around an IO instance that is about to become ready (a Firmata over a stream, or mock-firmata).
 * The Board is built once the IO is ready, so it takes johnny-five's "already connected io" path.
 */
export function connectBoardIo(
  io: FirmataIo,
  options: FirmataConnectOptions & { port: string },
  closeTransport: () => Promise<void> = async () => {},
): Promise<FirmataBoard> {
  const { port, clock, timeoutMs = FIRMATA_HANDSHAKE_MS } = options;
  const lost = new ReplaySubject<FirmataLinkLost>(1);
  let settle: ((outcome: FirmataLinkLost | null) => void) | undefined;
  let closing = false;
  const onLinkEnd = (reason: FirmataLinkLost["reason"]) => (error?: Error) => {
    if (closing) return;
    const event: FirmataLinkLost = error ? { port, reason, error } : { port, reason };
    if (settle) return settle(event);
    // Only the first end counts (a failed write emits 'error' then 'close' twice); completed, the subject
    // ignores the rest.
    lost.next(event);
    lost.complete();
  };
  // Listeners stay for the life of the IO: an 'error' without a listener would crash the process.
  io.on("close", onLinkEnd("closed"));
  io.on("error", onLinkEnd("error"));

  return new Promise<FirmataBoard>((resolve, reject) => {
    const timer = clock.schedule(() => settle?.(null), timeoutMs);
    settle = (failure) => {
      settle = undefined;
      timer.unsubscribe();
      io.removeListener("ready", onReady);
      closing = true;
      lost.complete();
      void closeTransport();
      reject(
        new Error(
          failure === null
            ? `the Firmata board on ${port} did not answer within ${timeoutMs} ms: check that it runs ` +
                "StandardFirmata (Arduino IDE: File › Examples › Firmata › StandardFirmata), at 57600 baud, " +
                "and that no other program holds the port"
            : failure.reason === "error"
              ? `the Firmata board on ${port} failed before it was ready: ${failure.error?.message ?? "I/O error"}`
              : `${port} closed before the Firmata board was ready: check the cable and that the board is powered`,
        ),
      );
    };
    function onReady() {
      const boardOptions: BoardOptions = { io, repl: false, debug: false, sigint: false };
      const board = new five.Board(boardOptions);
      // The Board re-emits the IO's errors; without a listener EventEmitter would throw them.
      board.on("error", () => {});
      board.on("ready", () => {
        if (!settle) return;
        settle = undefined;
        timer.unsubscribe();
        const { firmware } = io as FirmataIo & {
          firmware?: { name?: string; version?: { major: number; minor: number } };
        };
        resolve({
          board,
          io,
          port,
          identity: [
            firmware?.name ?? "?",
            firmware?.version ? `${firmware.version.major}.${firmware.version.minor}` : "?",
          ],
          lost$: lost.asObservable(),
          close: () => {
            closing = true;
            lost.complete();
            return closeTransport();
          },
        });
      });
    }
    io.once("ready", onReady);
  });
}
