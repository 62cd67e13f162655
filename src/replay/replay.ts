// `hokr replay`: a recorded session's device streams played back through the same drivers, codecs and
// pipeline as the live run, on the virtual clock. Replaying a simulated session reproduces its gain.tsv
// exactly; a real rig's recording replays the same way, so a changed analysis can be re-run over old data.
import { join } from "node:path";
import { lightEvents } from "../../devices/light-source/codec.ts";
import { UINT32 } from "../../devices/wire.ts";
import { plugSimulatedDevice, unplugSimulatedDevice } from "../../mocks/serial-binding.ts";
import { AnalysisSettings } from "../analysis/settings.ts";
import { sessionMeta } from "../app/rig-sessions.ts";
import type { Progress } from "../app/session-runner.ts";
import { runSession } from "../app/session-runner.ts";
import { readJsonFile } from "../config/json-file.ts";
import { sessionEndMs } from "../engine/timeline-events.ts";
import { checkProtocol } from "../protocol/load.ts";
import type { Protocol } from "../protocol/schema.ts";
import { jsonlRows } from "../recording/recorded-rows.ts";
import { SESSION_FILES, SessionMeta } from "../recording/session-folder.ts";
import { connectSimulatedPorts } from "../rig/serial-simulated-rig.ts";
import { type RecordedBatch, textLines } from "./recorded-lines.ts";
import { RecordedClock, RecordedStreamDevice } from "./replay-devices.ts";
import { RecordingReader } from "./sample-thread.ts";

export interface ReplayOptions {
  dir: string;
  outDir: string;
  /** Session seconds per wall second; undefined = as fast as possible. */
  speed?: number;
  /** Analysis settings to change for this replay (re-analysis). */
  analysis?: Partial<AnalysisSettings>;
  /** Gain block size to use instead of the protocol's, cycles. */
  cyclesPerBlock?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

interface Peeked<T = RecordedBatch> {
  first: T | undefined;
  all: Iterator<T>;
}

/** The first item and an iterator over all of them (to read a device's clock offset before playing). */
function peek<T>(items: Iterator<T>): Peeked<T> {
  const head = items.next();
  const first = head.done ? undefined : head.value;
  let used = false;
  return {
    first,
    all: {
      next: () => {
        if (!used && first !== undefined) {
          used = true;
          return { done: false, value: first };
        }
        return items.next();
      },
    },
  };
}

/** Device clock at session time 0, µs, from one recorded (device time, session time) pair. */
const bootUs = (deviceUs: number, sessionUs: number) =>
  (((deviceUs - Math.round(sessionUs)) % UINT32) + UINT32) % UINT32;

/** The light edges of events.jsonl as the light source's `E` lines, in batches. */
function* recordedEdges(file: string, channelIndex: ReadonlyMap<string, number>): Generator<RecordedBatch> {
  const size = 4096;
  const empty = () => ({
    hostMs: [] as number[],
    deviceUs: [] as number[],
    tUs: [] as number[],
    lines: [] as string[],
  });
  let batch = empty();
  const full = (): RecordedBatch => ({
    rows: batch.lines.length,
    hostMs: batch.hostMs,
    placed: { deviceUs: batch.deviceUs, tUs: batch.tUs },
    ...textLines(batch.lines),
  });
  for (const e of jsonlRows(file)) {
    if (e.type !== "light-edge") continue;
    const tS = Number(e.t_s);
    const deviceUs = Number(e.deviceUs);
    batch.hostMs.push(typeof e.hostMs === "number" ? e.hostMs : tS * 1000);
    batch.deviceUs.push(deviceUs);
    batch.tUs.push(Math.round(tS * 1e6));
    batch.lines.push(
      lightEvents.encode({
        tag: "E",
        deviceUs,
        channel: channelIndex.get(String(e.channel)) ?? 0,
        on: e.on === true,
      }),
    );
    if (batch.lines.length === size) {
      yield full();
      batch = empty();
    }
  }
  yield full();
}

let replays = 0;

export async function replaySession(o: ReplayOptions) {
  // The sample files are read on a thread of their own (sample-thread.ts), ended with the replay; started
  // first, so that it starts while the folder's description is read and checked.
  const reader = new RecordingReader([
    { file: join(o.dir, SESSION_FILES.eye), stream: "eye" },
    { file: join(o.dir, SESSION_FILES.stimulus), stream: "stimulus" },
  ]);
  try {
    return await replayWith(reader, o);
  } finally {
    reader.close();
  }
}

async function replayWith(reader: RecordingReader, o: ReplayOptions) {
  const meta = readJsonFile(join(o.dir, SESSION_FILES.meta), SessionMeta);
  const protocol: Protocol =
    o.cyclesPerBlock === undefined
      ? meta.protocol
      : {
          ...meta.protocol,
          phases: meta.protocol.phases.map((p) => ({ ...p, cyclesPerBlock: o.cyclesPerBlock as number })),
        };
  const loaded = checkProtocol(meta.protocolFile, protocol, meta.rig);
  const analysis = AnalysisSettings.parse({ ...meta.analysis, ...o.analysis });
  const channelIndex = new Map(meta.rig.light.map((c, i) => [c.name, c.index ?? i]));

  const light = peek(recordedEdges(join(o.dir, SESSION_FILES.events), channelIndex));
  const boot = (p: { first: RecordedBatch | undefined }) => {
    const placed = p.first?.placed;
    return placed && p.first?.rows ? bootUs(placed.deviceUs[0] as number, placed.tUs[0] as number) : 0;
  };
  const endMs = sessionEndMs(loaded.timeline);
  const n = ++replays;
  const paths = { light: `replay/${n}/light`, stimulus: `replay/${n}/drum`, eyeTracker: `replay/${n}/eye` };
  const placements = {
    light: new RecordedClock(),
    stimulus: new RecordedClock(),
    eyeTracker: new RecordedClock(),
  };
  const byPath = new Map(Object.entries(paths).map(([k, p]) => [p, placements[k as keyof typeof paths]]));

  try {
    const [eye, stimulus] = reader.streams.map((s) => peek(s)) as [Peeked, Peeked];
    return await runSession({
      timeline: loaded.timeline,
      analysis,
      clock: "virtual",
      // The devices connect before the session's zero, as on the rig that recorded it: the drum's handshake
      // STOP, whose reply follows every recorded line up to its moment (RecordedStreamDevice.command), then
      // sends none of the session's lines, which would reach a host not yet listening (the first report, at 0).
      setupMs: 1000,
      ...(o.speed === undefined ? {} : { speed: o.speed }),
      makeRig: async (clock) => {
        const devices = [
          new RecordedStreamDevice(
            clock,
            boot(light),
            ["hokr-light", 1, meta.rig.light.length],
            light.all,
            placements.light,
          ),
          new RecordedStreamDevice(
            clock,
            boot(stimulus),
            ["hokr-drum", 1, 90],
            stimulus.all,
            placements.stimulus,
            new Set(["STOP"]),
          ),
          new RecordedStreamDevice(
            clock,
            boot(eye),
            ["hokr-eye", 1, 200, "deg"],
            eye.all,
            placements.eyeTracker,
          ),
        ] as const;
        plugSimulatedDevice(devices[0], { path: paths.light });
        plugSimulatedDevice(devices[1], { path: paths.stimulus });
        plugSimulatedDevice(devices[2], { path: paths.eyeTracker });
        const rig = await connectSimulatedPorts(
          clock,
          meta.rig,
          paths,
          (path) => byPath.get(path) ?? new RecordedClock(),
        );
        return {
          ...rig,
          // The live run went on receiving while it drained its ports after the protocol's end: so does a replay
          // that got there. One stopped before (interrupted, failed) ends where it stopped.
          drain: async () => {
            if (clock.now() >= endMs) for (const d of devices) d.sendRest();
            await rig.drain();
          },
        };
      },
      outDir: o.outDir,
      meta: { ...sessionMeta(loaded, meta.rig, meta.subject, new Date()), analysis, replayOf: o.dir },
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      wallClock: () => new Date(),
    });
  } finally {
    for (const p of Object.values(paths)) unplugSimulatedDevice(p);
  }
}
