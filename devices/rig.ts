// What the session engine needs from a rig's devices. Real drivers (serial, Firmata) and the simulated rig
// implement these same interfaces; every stream is timestamped by the device (µs) and by the session clock (ms).
import type { Observable } from "rxjs";
import type { LightEdge, SampleBatch } from "../src/core/samples.ts";
import type { PulsePattern } from "./light-source/pulse-train.ts";

/** The sinusoid a stimulus device is told to play (a protocol's stimulus settings are one). */
export interface StimulusMotion {
  /** Peak angular displacement, degrees. */
  amplitudeDeg: number;
  /** Oscillation frequency, Hz. */
  frequencyHz: number;
  /** Stripe displays: spatial frequency of the stripes, cycles per degree. */
  spatialFrequencyCpd?: number | undefined;
}

/** What a light channel is told to play: constant light, or pulse trains by the pulse-train rule. */
export type LightProgram = { kind: "continuous" } | ({ kind: "pulses" } & PulsePattern);

/** A drum or stripe display that generates its own sinusoid once started. */
export interface VisualStimulus {
  /** Start a sinusoid of the given amplitude/frequency at position 0 moving rightward. */
  start(motion: StimulusMotion): void;
  stop(): void;
  /** Position reports while running (`deg`: the pattern's position), in batches as they arrived. */
  readonly samples$: Observable<SampleBatch>;
  /**
   * Session time (ms) at which the device stopped, after its last position report: the analysis then knows
   * the stimulus stream is complete up to there.
   */
  readonly stopped$: Observable<number>;
}

/** One or more light channels with device-timed patterns. */
export interface LightSource {
  readonly channels: readonly { name: string; wavelengthNm: number }[];
  /**
   * Start a pattern (continuous or pulse trains) at the given power; runs until `off`. A pulse train starts at
   * session time `atMs` when given and still ahead (its first pulse then lands there, on the device's clock,
   * however long the command takes to reach it), otherwise now; the channel goes off at once either way.
   */
  start(channel: string, powerMw: number, pattern: LightProgram, atMs?: number): void;
  off(channel: string): void;
  /** Safety: every channel off, now. Must not throw. */
  allOff(): void;
  /** Every actual on/off transition. */
  readonly edges$: Observable<LightEdge>;
}

export interface EyeTracker {
  /** Frames (`deg`: horizontal eye position), in batches as they arrived. */
  readonly samples$: Observable<SampleBatch>;
}

/** A device stopped working: unplugged, silent, or refusing commands. */
export interface DeviceFault {
  device: string;
  message: string;
  /** The rig is reconnecting the device (fault policy "reconnect"); the session may go on. */
  recoverable?: boolean;
}

/**
 * Something a device said, or the host saw on its port, that is not a sample or a light edge: a device message
 * (`!`), a light controller's watchdog trip (`W`), a tracker status (`T`), a reset, a clock jump, a line the
 * host rejected. Recorded in the event log as it happens.
 */
export interface DeviceNote {
  /** "light", "stimulus", "eyeTracker", or the port path when several devices share it. */
  device: string;
  /** Session time, ms (the device's own time placed on the session clock, when the note has one). */
  tMs: number;
  kind: "message" | "watchdog" | "tracker-status" | "reset" | "clock-jump" | "rejected-line";
  text: string;
}

export interface DeviceReport {
  port: string;
  /** What the device answered to HELLO, for devices with a handshake. */
  identity?: string[];
  rejectedLines: number;
  clock?: {
    offsetMs: number;
    driftPpm: number;
    residualMs: number;
    blocks: number;
    rejected: number;
    restarts: number;
  };
  /** Device notes by kind (DeviceNote), counted over the session. */
  notes?: Partial<Record<DeviceNote["kind"], number>>;
  /** A display's frames: shown, and dropped (skipped by the screen) — the stripe page reports them. */
  frames?: { frames: number; dropped: number };
}

export interface Rig {
  readonly name: string;
  readonly stimulus: VisualStimulus;
  readonly light: LightSource;
  readonly eyeTracker: EyeTracker;
  /** Device faults, as they happen. */
  readonly faults$: Observable<DeviceFault>;
  /** A device that had a recoverable fault is back (its name). */
  readonly recovered$: Observable<string>;
  /** What the devices said besides samples and edges (rigs without such devices may leave it out). */
  readonly notes$?: Observable<DeviceNote>;
  /** Resolves once data the devices already sent has been received (end of session). */
  drain(): Promise<void>;
  /** Per device: lines rejected as malformed, and how its clock aligned to the session clock. */
  report(): Record<string, DeviceReport>;
  /** Lights off, stimulus stopped, ports closed. */
  close(): Promise<void>;
}
