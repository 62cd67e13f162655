// Replaying an eye trace from another tracking system as if it were a session: the trace's samples become a
// hokr eye tracker's stream, the protocol drives a simulated drum and light source as on the simulated rig,
// and everything goes through the same drivers, codecs and pipeline as a live run.
import { basename } from "node:path";
import { stimulusEvents } from "../../devices/drum/codec.ts";
import { eyeEvents } from "../../devices/eye-tracker/codec.ts";
import type { NumericEvent } from "../../devices/messages.ts";
import { UINT32 } from "../../devices/wire.ts";
import { SimulatedLightController } from "../../mocks/devices/light-controller.ts";
import { SimulatedStimulusController } from "../../mocks/devices/stimulus-controller.ts";
import { plugSimulatedDevice, unplugSimulatedDevice } from "../../mocks/serial-binding.ts";
import { SimulatedLightSource, SimulatedStimulus } from "../../mocks/simulated-rig.ts";
import { DEFAULT_ANALYSIS } from "../analysis/settings.ts";
import { sessionMeta } from "../app/rig-sessions.ts";
import { type Progress, runSession } from "../app/session-runner.ts";
import { type RigConfig, SIMULATED_RIG } from "../config/rig-config.ts";
import type { LoadedProtocol } from "../protocol/load.ts";
import { medianIntervalMs, readTrace, type TraceFormat } from "../recording/trace-file.ts";
import { connectSimulatedPorts } from "../rig/serial-simulated-rig.ts";
import { type RecordedBatch, sampleLines } from "./recorded-lines.ts";
import { RecordedStreamDevice } from "./replay-devices.ts";

export interface TraceReplayOptions {
  file: string;
  format: Partial<TraceFormat>;
  loaded: LoadedProtocol;
  /** Trace time that is session time 0 (the start of the protocol), in the trace's unit; default: its first sample. */
  traceStart?: number;
  outDir: string;
  rig?: RigConfig;
  speed?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

let count = 0;

export async function replayTrace(o: TraceReplayOptions) {
  const rig = o.rig ?? SIMULATED_RIG;
  const trace = readTrace(o.file, o.format);
  const unitMs = { s: 1000, ms: 1, us: 0.001 }[o.format.timeUnit ?? "s"];
  const originMs = o.traceStart === undefined ? (trace.tMs[0] ?? 0) : o.traceStart * unitMs;
  // The samples from session time 0 on, as the lines a hokr device would have sent: received when taken (the
  // trace's time is the session clock), device time = trace time, µs, as a 32-bit counter.
  const kept: number[] = [];
  trace.tMs.forEach((t, i) => {
    if (t - originMs >= 0) kept.push(i);
  });
  const hostMs = Float64Array.from(kept, (i) => (trace.tMs[i] as number) - originMs);
  const deviceUs = hostMs.map((t) => Math.round(t * 1000) % UINT32);
  const batch = (
    event: NumericEvent,
    valueField: string,
    values: ArrayLike<number>,
  ): Iterator<RecordedBatch> => {
    const column = Float64Array.from(kept, (i) => values[i] as number);
    return [
      { rows: kept.length, hostMs, ...sampleLines(event, deviceUs, valueField, column, kept.length) },
    ].values();
  };
  const n = ++count;
  const paths = { light: `trace/${n}/light`, stimulus: `trace/${n}/drum`, eyeTracker: `trace/${n}/eye` };
  try {
    return await runSession({
      timeline: o.loaded.timeline,
      analysis: DEFAULT_ANALYSIS,
      clock: "virtual",
      ...(o.speed === undefined ? {} : { speed: o.speed }),
      makeRig: (clock) => {
        plugSimulatedDevice(new SimulatedLightController(clock, new SimulatedLightSource(clock, rig.light)), {
          path: paths.light,
        });
        const stim = trace.stimDeg;
        plugSimulatedDevice(
          stim
            ? new RecordedStreamDevice(
                clock,
                0,
                ["hokr-drum", 1, 90],
                batch(stimulusEvents.numeric("P"), "positionDeg", stim),
              )
            : new SimulatedStimulusController(clock, new SimulatedStimulus(clock)),
          { path: paths.stimulus },
        );
        plugSimulatedDevice(
          new RecordedStreamDevice(
            clock,
            0,
            ["hokr-eye", 1, Math.round(1000 / medianIntervalMs(trace)), "deg"],
            batch(eyeEvents.numeric("S"), "xDeg", trace.xDeg),
          ),
          { path: paths.eyeTracker },
        );
        return connectSimulatedPorts(clock, rig, paths);
      },
      outDir: o.outDir,
      meta: {
        ...sessionMeta(
          o.loaded,
          rig,
          { id: basename(o.file), flags: [], seed: null, simulated: false },
          new Date(),
        ),
        replayOf: o.file,
      },
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      wallClock: () => new Date(),
    });
  } finally {
    for (const p of Object.values(paths)) unplugSimulatedDevice(p);
  }
}
