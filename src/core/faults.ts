// How a session ends, in one place: the exit codes `hokr run` (and `hokr replay`) return, and the wording of
// the faults and stops the engine reports — what happened, then what to check. The README's fault table and
// the end-to-end fault suite quote these.

/** Exit codes of `hokr run`. */
export const EXIT_CODES = {
  /** The protocol ran to its end. */
  complete: 0,
  /** Bad input (configuration, protocol, options: nothing started), or a software error (a running session
   * ends as failed, lights off, flushed). */
  failed: 1,
  /** A device fault ended the session (unplugged, silent, refusing, reset); the folder is marked failed. */
  deviceFault: 3,
  /** The rig could not be connected (port missing or busy, no or wrong handshake); no session folder. */
  notConnected: 4,
  /** Stopped by a signal (128 + its number); the folder, if one was made, is marked interrupted. */
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

/** The exit codes as `hokr run --help` lists them. */
export const exitCodesHelp = (): string =>
  [
    "Exit codes:",
    `  ${EXIT_CODES.complete}    the protocol ran to its end`,
    `  ${EXIT_CODES.failed}    bad configuration/protocol/options (nothing started), or a software error (a running session ends failed)`,
    `  ${EXIT_CODES.deviceFault}    a device fault ended the session (folder marked failed; lights commanded off)`,
    `  ${EXIT_CODES.notConnected}    the rig could not be connected (port missing/busy, handshake failed); no folder`,
    `  ${EXIT_CODES.SIGHUP}/${EXIT_CODES.SIGINT}/${EXIT_CODES.SIGTERM}  stopped by SIGHUP/SIGINT/SIGTERM (folder, if made, marked interrupted)`,
  ].join("\n");

export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";
export const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
export const isStopSignal = (x: unknown): x is StopSignal => STOP_SIGNALS.includes(x as StopSignal);

/** Messages the session prints and records (events.jsonl `fault`/`session-end`, session.json `end.reason`). */
export const FAULT_TEXT = {
  /** A port vanished (unplug, USB reset, cable). */
  portLost: (path: string, why: string) =>
    `${path} went away: ${why}; check its USB cable and power (a light controller cut off turns its light off by its own watchdog)`,
  /** The eye tracker sent no frame for too long while the host was reading. */
  noFrames: (path: string, ms: number) =>
    `${path}: no frame for ${ms} ms; check the camera, its lighting and the tracking software`,
  /** A command got no reply in time (the host read everything pending first). */
  noReply: (path: string, verb: string, ms: number) =>
    `${path}: no reply to ${verb} within ${ms} ms; check that the device is powered and on this port (\`hokr ports\`)`,
  /** Fault policy "reconnect": the device did not come back. */
  notBack: (s: number) =>
    `not back within ${s} s; check its USB cable (reconnectTimeoutS sets how long hokr waits)`,
  /** A device said `! <t> boot` mid-session. */
  reset: (device: string, port: string) =>
    `${device} on ${port} restarted mid-session (it said "boot"): its lights are off and its stimulus stopped; check its power supply and USB cable`,
  /** At the session's end, for a device whose port sent lines the host rejected (the event log has them as notes). */
  rejectedLines: (device: string, port: string, n: number, eventLog: string) =>
    `${device} on ${port}: ${n} line${n === 1 ? "" : "s"} rejected (malformed, out of range, or not this device's); see the "rejected-line" notes in ${eventLog}; check the device's firmware and cable`,
  /** The rig reconnected a device: a block spanning the gap is flagged. */
  gapFlag: "gap",
  /** A signal arrived while the ports were opening or the devices handshaking. */
  stoppedWhileConnecting: (signal: string) =>
    `${signal} while connecting the rig: stopped before the session started; no session folder was made, every light controller that answered was told ALLOFF`,
  /** A second signal while the session is being ended. */
  stillStopping: (signal: string) =>
    `hokr: ${signal} again: still turning lights off and saving the recording (waits shortened); send SIGKILL only if this hangs — the devices' watchdogs then turn the lights off\n`,
  /** The first signal, as the operator sees it. */
  stopping: (signal: string) => `hokr: ${signal}: stopping — lights off, saving the recording\n`,
} as const;

/** A device could not be reached or refused (a port missing or busy, no handshake, a command refused). */
export class DeviceError extends Error {}

/** A stop asked for (a signal) before the session could start: carries the signal's name. */
export class StoppedBeforeStart extends Error {
  constructor(readonly signal: string) {
    super(FAULT_TEXT.stoppedWhileConnecting(signal));
  }
}
