// Running sessions: on the simulated rig with a virtual mouse, or on a real rig from its configuration.
// Both go through the same engine (runSession); they differ only in the rig they connect.
import { setTimeout as sleep } from "node:timers/promises";
import type { BindingInterface } from "@serialport/bindings-interface";
import type { Rig } from "../../devices/rig.ts";
import { type StripePageBinding, withStripePage } from "../../devices/stripe-display/page-binding.ts";
import { drawMouse, MouseParameters, type Opsin, type SubjectFlag } from "../../mocks/mouse-parameters.ts";
import { createSimulatedRig, type SimulatedRig } from "../../mocks/simulated-rig.ts";
import { type MouseWorld, VirtualMouse } from "../../mocks/virtual-mouse.ts";
import { DEFAULT_ANALYSIS } from "../analysis/settings.ts";
import { type RigConfig, SIMULATED_RIG } from "../config/rig-config.ts";
import { Random } from "../core/random.ts";
import { SOFTWARE } from "../core/software.ts";
import type { LoadedProtocol } from "../protocol/load.ts";
import { sessionTimeline } from "../protocol/session-timeline.ts";
import type { SessionMeta } from "../recording/session-folder.ts";
import { connectRig } from "../rig/connect.ts";
import type { FirmwareSimulatedRig } from "../rig/firmware-simulated-rig.ts";
import { createSerialSimulatedRig, type SerialSimulatedRig } from "../rig/serial-simulated-rig.ts";
import type { StripePageRig } from "../rig/stripe-page-rig.ts";
import { type Progress, type RunOptions, runSession } from "./session-runner.ts";

/** session.json's description of what is about to run. */
export function sessionMeta(
  loaded: LoadedProtocol,
  rig: RigConfig,
  subject: SessionMeta["subject"],
  startedAt: Date,
): Omit<SessionMeta, "status" | "clock"> {
  return {
    format: "hokr-session/1",
    protocolFile: loaded.file,
    protocolHash: loaded.hash,
    protocol: loaded.protocol,
    rig,
    subject,
    software: SOFTWARE,
    analysis: DEFAULT_ANALYSIS,
    startedAt: startedAt.toISOString(),
    timeline: sessionTimeline(loaded.timeline),
  };
}

interface CommonRunOptions {
  loaded: LoadedProtocol;
  outDir: string;
  /** See RunOptions.scratch. */
  scratch?: boolean;
  signal?: AbortSignal;
  /** A second stop: the ending waits less for the devices (lights are still commanded off, data flushed). */
  hurry?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Extra observers of the session's data (tests, live displays). */
  tap?: RunOptions<Rig>["tap"];
}

export interface SimulatedRunOptions extends CommonRunOptions {
  rig?: RigConfig;
  flags?: SubjectFlag[];
  seed: number;
  subjectId?: string;
  clock?: "virtual" | "real";
  speed?: number;
  mouse?: MouseParameters;
  /** Devices behind the real drivers, codecs and (simulated) serial ports; false = in-process devices. */
  throughSerial?: boolean;
  /** Light and drum on the compiled hokr-rig firmware running on an emulated ATmega328P. */
  firmware?: boolean;
  /** The stimulus is the stripe display page in a browser (light and eye tracker stay simulated). */
  stripePage?: StripePageBinding;
}

/** Longest a real rig's ending waits for the light controller to report every channel off, ms. */
const LIGHTS_DARK_WAIT_MS = 1000;
/** Longest a real rig's ending waits for a device's reply to the last PING (its lines before it read), ms. */
const CAUGHT_UP_WAIT_MS = 1000;
/** Virtual-clock step of a session on the emulated firmware: its lines are stamped on arrival to within this. */
const FIRMWARE_STEP_MS = 0.25;
/**
 * Virtual-clock step of an unpaced session on in-process devices: they run on the session clock and pass
 * nothing through the event loop, so the session yields to it (signals, flush timers) every 10 s of session
 * time, ~1 ms of wall time, instead of every 250 ms (a 76-min animal: 456 turns instead of 18,240; its CPU
 * time 0.70–1.17 s → 0.67–0.78 s in three alternating pairs, records unchanged).
 */
const IN_PROCESS_STEP_MS = 10_000;

/** Runs a protocol on the simulated rig with a virtual mouse drawn from `seed`. */
export async function runSimulated(o: SimulatedRunOptions) {
  // The AVR emulator is loaded only for --firmware (before the clock starts: loading takes real time).
  const firmwareRig = o.firmware ? await import("../rig/firmware-simulated-rig.ts") : undefined;
  const pageRig = o.stripePage ? await import("../rig/stripe-page-rig.ts") : undefined;
  const inProcess = !firmwareRig && !pageRig && o.throughSerial === false;
  const rig = o.rig ?? SIMULATED_RIG;
  const flags = o.flags ?? [];
  const params = o.mouse ?? MouseParameters.parse({});
  const random = new Random(o.seed);
  const opsins = [...new Set(o.loaded.protocol.light.map((l) => l.opsin))] as Opsin[];
  const individual = drawMouse(params, random.fork(), flags, opsins);
  const subject = { id: o.subjectId ?? `virtual-mouse-${o.seed}`, flags, seed: o.seed, simulated: true };
  return runSession<SimulatedRig | SerialSimulatedRig | FirmwareSimulatedRig | StripePageRig>({
    timeline: o.loaded.timeline,
    analysis: DEFAULT_ANALYSIS,
    clock: o.clock ?? "virtual",
    ...(o.speed === undefined ? {} : { speed: o.speed }),
    // The emulated board needs simulated time to boot and answer its handshake.
    ...(o.firmware ? { setupMs: 2000, virtualStepMs: FIRMWARE_STEP_MS } : {}),
    ...(inProcess && o.speed === undefined ? { virtualStepMs: IN_PROCESS_STEP_MS } : {}),
    makeRig: (c) => {
      const makeMouse = (world: MouseWorld) => new VirtualMouse(individual, params, world, random.fork());
      if (firmwareRig) return firmwareRig.createFirmwareSimulatedRig(c, rig, params.sampleRateHz, makeMouse);
      if (pageRig && o.stripePage)
        return pageRig.createStripePageRig(c, rig, params.sampleRateHz, makeMouse, o.stripePage);
      return inProcess
        ? createSimulatedRig(c, rig, params.sampleRateHz, makeMouse)
        : createSerialSimulatedRig(c, rig, params.sampleRateHz, makeMouse);
    },
    outDir: o.outDir,
    ...(o.scratch === undefined ? {} : { scratch: o.scratch }),
    meta: sessionMeta(o.loaded, rig, subject, new Date()),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.hurry ? { hurry: o.hurry } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.tap ? { tap: o.tap } : {}),
    wallClock: () => new Date(),
  });
}

export interface RigRunOptions extends CommonRunOptions {
  rig: RigConfig;
  subjectId: string;
  flags?: string[];
  /** The serial ports: the operating system's (default), or simulated ones for tests. */
  binding?: BindingInterface;
  /** The stripe display page, when the rig's stimulus is on port "browser:stripe". */
  stripePage?: StripePageBinding;
}

/** Runs a protocol on real hardware, on the real clock. */
export function runOnRig(o: RigRunOptions) {
  const { devices } = o.rig;
  if (!devices) throw new Error("the rig configuration has no `devices`: say which port each device is on");
  return runSession({
    timeline: o.loaded.timeline,
    analysis: DEFAULT_ANALYSIS,
    clock: "real",
    makeRig: async (clock, signal) => {
      // The operating system's serial ports load only for a real rig (not for every `hokr run --sim`).
      const binding =
        o.binding ?? ((await import("serialport")).SerialPort.binding as unknown as BindingInterface);
      const page = o.stripePage;
      return connectRig({
        binding: page ? withStripePage(page, binding) : binding,
        ...(page ? { portReport: page.portReport } : {}),
        clock,
        config: { ...o.rig, devices },
        signal,
        needAmplitudeDeg: Math.max(0, ...o.loaded.timeline.phases.map((p) => p.stimulus?.amplitudeDeg ?? 0)),
        // The record ends at what every device sent before the stop (a PING round trip per port, however long
        // lines sat in a busy host's buffers), and (up to LIGHTS_DARK_WAIT_MS) at the light controller's own
        // off edges, so it ends as the light did.
        drain: ({ lightsDark, caughtUp }) =>
          Promise.all([
            caughtUp(CAUGHT_UP_WAIT_MS),
            Promise.race([lightsDark, sleep(LIGHTS_DARK_WAIT_MS)]),
          ]).then(() => {}),
      });
    },
    outDir: o.outDir,
    meta: sessionMeta(
      o.loaded,
      o.rig,
      { id: o.subjectId, flags: o.flags ?? [], seed: null, simulated: false },
      new Date(),
    ),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.hurry ? { hurry: o.hurry } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.tap ? { tap: o.tap } : {}),
    wallClock: () => new Date(),
  });
}
