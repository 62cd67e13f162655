// A session folder exported as an NWB 2.7.0 file (HDF5), for archives and for the lab's other NWB data.
// The folder stays the primary record: this reads it (streams in batches, so a 75-min 1 kHz session needs
// bounded memory) and writes:
//   /                         NWBFile: identifier, session description (protocol), start time = session clock 0
//   general/                  experimenter, lab, institution, protocol (JSON as hashed), notes, source_script,
//                             data_collection (rig configuration), subject, devices, optogenetics (one site
//                             per light channel: wavelength, location)
//   processing/behavior/EyeTracking/horizontal_eye_position   SpatialSeries, degrees, session clock (s)
//   stimulus/presentation/stimulus_position                  TimeSeries, degrees
//   stimulus/presentation/light_<channel>                    OptogeneticSeries, watts, at reported edges
//   intervals/epochs, intervals/cycles, intervals/blocks      protocol phases, per-cycle fits, gain blocks
//   scratch/                  online and offline learning with their definitions, session.json, warnings
// Per-cycle fits are not in the folder: they are recomputed from the recorded streams by the live
// pipeline's own operators, and their blocks are checked against gain.tsv.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { File } from "h5wasm/node";
import type { CycleResult } from "../analysis/cycles.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { LEARNING_DEFINITIONS, sessionLearning } from "../analysis/learning.ts";
import { FileProblem } from "../config/json-file.ts";
import { SOFTWARE } from "../core/software.ts";
import { jsonlRows } from "../recording/recorded-rows.ts";
import { readSessionFolder, SESSION_FILES, type SessionFolder } from "../recording/session-folder.ts";
import {
  createHdf5,
  dynamicTable,
  float32,
  float64,
  NWB_VERSION,
  TimeSeriesWriter,
  text,
  typed,
  typedGroup,
} from "./nwb-file.ts";
import { readSessionSamples } from "./session-samples.ts";
import type { SubjectInfo } from "./subject.ts";

export interface NwbExportOptions {
  /** The .nwb file to write (replaced if it exists). */
  out: string;
  experimenters?: string[];
  lab?: string;
  institution?: string;
  subject?: SubjectInfo;
  /** Export time (file_create_date); injected so tests and the engine never read the wall clock here. */
  now: Date;
}

export interface NwbExportResult {
  file: string;
  warnings: string[];
  eyeSamples: number;
  stimulusSamples: number;
  lightEdges: number;
  cycles: number;
  blocks: number;
}

/** Words for the subject flags the rig software knows; other flags are written as given. */
const FLAG_WORDS: Record<string, string> = {
  "lrrc8a-ko": "LRRC8A knockout",
  "no-opsin": "no opsin expressed",
};

/** Reads the session folder, refusing a folder that is not one with what is missing. */
export function openSessionFolder(dir: string): SessionFolder {
  if (!existsSync(dir)) throw new FileProblem(dir, ["no such folder; check the path"]);
  if (!statSync(dir).isDirectory())
    throw new FileProblem(dir, ["is a file, not a session folder (a folder written by `hokr run`)"]);
  const present = new Set(readdirSync(dir));
  const missing = Object.values(SESSION_FILES).filter((f) => !present.has(f));
  if (missing.length > 0)
    throw new FileProblem(dir, [
      `not a hokr session folder: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing ` +
        `(a session folder, written by \`hokr run\`, holds ${Object.values(SESSION_FILES).join(", ")})`,
    ]);
  return readSessionFolder(dir);
}

/** Why a folder's data may be incomplete, for the terminal and the file. */
export function incompleteWarning(folder: SessionFolder): string | undefined {
  const m = folder.meta;
  if (m.status === "complete") return undefined;
  const planned = `${m.timeline.durationS.toFixed(0)} s planned`;
  return m.status === "running"
    ? `session status is 'running': the session did not finish (killed, or still recording); its data end ` +
        `where the recording stopped (${planned})`
    : `session ${m.status} (${m.end?.reason ?? "no reason recorded"}) at ${m.end?.sessionS.toFixed(1) ?? "?"} s ` +
        `of ${planned}: its data end early`;
}

export async function exportNwb(dir: string, o: NwbExportOptions): Promise<NwbExportResult> {
  const folder = openSessionFolder(dir);
  const warnings: string[] = [];
  const incomplete = incompleteWarning(folder);
  if (incomplete) warnings.push(incomplete);
  const partial = `${o.out}.partial`;
  const file = await createHdf5(partial);
  let result: ReturnType<typeof writeSession>;
  try {
    result = writeSession(file, folder, o, warnings);
  } catch (e) {
    file.close();
    rmSync(partial, { force: true });
    throw e;
  }
  file.close();
  renameSync(partial, o.out);
  return { file: o.out, warnings, ...result };
}

function writeSession(file: File, folder: SessionFolder, o: NwbExportOptions, warnings: string[]) {
  const { meta, dir } = folder;
  const { protocol } = meta;
  typed(file, "NWBFile");
  file.create_attribute("nwb_version", NWB_VERSION);
  text(file, "file_create_date", [o.now.toISOString()]);
  text(file, "identifier", `hokr:${meta.subject.id}:${meta.startedAt}:${meta.protocolHash.slice(0, 16)}`);
  text(
    file,
    "session_description",
    `${protocol.name}${protocol.description ? `: ${protocol.description}` : ""} (HOKR, hokr-lab protocol)`,
  );
  text(file, "session_start_time", meta.startedAt);
  text(file, "timestamps_reference_time", meta.startedAt);
  file.create_group("acquisition");
  file.create_group("analysis");
  const scratch = file.create_group("scratch");
  const processing = file.create_group("processing");
  const stimulus = file.create_group("stimulus");
  const presentation = stimulus.create_group("presentation");
  stimulus.create_group("templates");
  const general = file.create_group("general");
  const intervals = file.create_group("intervals");

  // --- general: who, what was run, on which rig --------------------------------------------------------
  const lab = meta.rig.lab;
  const experimenters = o.experimenters ?? lab?.experimenters;
  if (experimenters && experimenters.length > 0) text(general, "experimenter", experimenters);
  const labName = o.lab ?? lab?.name;
  if (labName) text(general, "lab", labName);
  const institution = o.institution ?? lab?.institution;
  if (institution) text(general, "institution", institution);
  // Exactly the text whose sha256 the session recorded, so the hash can be checked from the file.
  text(general, "protocol", JSON.stringify(protocol));
  if (protocol.description) text(general, "experiment_description", protocol.description);
  text(general, "data_collection", `rig configuration (hokr-lab): ${JSON.stringify(meta.rig)}`);
  text(general, "keywords", ["HOKR", "horizontal optokinetic response", "cerebellum", "motor learning"]);
  const script = text(general, "source_script", `${SOFTWARE.name} ${SOFTWARE.version} (hokr export --nwb)`);
  script.create_attribute("file_name", "src/export/nwb-export.ts");

  // --- subject --------------------------------------------------------------------------------------------
  const s = o.subject ?? {};
  const subject = typedGroup(general, "subject", "Subject");
  text(subject, "subject_id", meta.subject.id);
  text(subject, "species", "Mus musculus");
  const opsins = [...new Set(protocol.light.map((l) => l.opsin))];
  const genotypeWords = meta.subject.flags.map((f) => FLAG_WORDS[f] ?? f);
  if (!meta.subject.flags.includes("no-opsin") && opsins.length > 0 && meta.subject.simulated)
    genotypeWords.push(`${opsins.join(" and ")} expressed`);
  const genotype = s.genotype ?? (genotypeWords.length > 0 ? genotypeWords.join("; ") : undefined);
  if (genotype) text(subject, "genotype", genotype);
  if (s.sex) text(subject, "sex", s.sex);
  if (s.age) text(subject, "age", s.age).create_attribute("reference", "birth");
  if (s.dateOfBirth) text(subject, "date_of_birth", s.dateOfBirth);
  if (s.strain) text(subject, "strain", s.strain);
  if (s.weight) text(subject, "weight", s.weight);
  const subjectNotes = [
    s.description,
    `subject flags: ${meta.subject.flags.join(", ") || "none"}`,
    meta.subject.simulated ? `virtual mouse (simulated), seed ${meta.subject.seed}` : undefined,
  ].filter((x): x is string => x !== undefined);
  text(subject, "description", subjectNotes.join("; "));

  // --- devices and light --------------------------------------------------------------------------------
  const devicesGroup = general.create_group("devices");
  const rigDevices = meta.rig.devices;
  const reports = meta.devices ?? {};
  const deviceDescriptions: Record<string, string> = {
    light: `light source: ${meta.rig.light.map((c) => `${c.name} ${c.wavelengthNm} nm`).join(", ")}`,
    stimulus: `visual stimulus: ${rigDevices?.stimulus.kind ?? "drum"}`,
    eyeTracker: "eye tracker (horizontal eye position, degrees)",
  };
  for (const [device, what] of Object.entries(deviceDescriptions)) {
    const g = typedGroup(devicesGroup, device, "Device");
    const config = rigDevices?.[device as keyof typeof rigDevices];
    const report = reports[device];
    const parts = [
      what,
      meta.subject.simulated ? "simulated device" : undefined,
      report?.identity ? `identity at HELLO: ${report.identity.join(" ")}` : undefined,
      config ? `configuration: ${JSON.stringify(config)}` : undefined,
      report ? `report: ${JSON.stringify(report)}` : undefined,
    ].filter((x): x is string => x !== undefined);
    g.create_attribute("description", parts.join("; "));
    g.create_attribute("manufacturer", meta.subject.simulated ? "hokr-lab (simulated)" : "unknown");
  }
  const optogenetics = general.create_group("optogenetics");
  for (const channel of meta.rig.light) {
    const site = typedGroup(optogenetics, channel.name, "OptogeneticStimulusSite");
    text(site, "description", `light channel '${channel.name}' of rig '${meta.rig.name}'`);
    float32(site, "excitation_lambda", channel.wavelengthNm);
    text(site, "location", s.stimulationSite ?? "not recorded (give --site-location)");
    site.create_soft_link("/general/devices/light", "device");
  }

  // --- light edges (device-reported) ----------------------------------------------------------------------
  const edges = new Map<string, { t: number[]; w: number[] }>();
  for (const e of jsonlRows(join(dir, SESSION_FILES.events))) {
    if (e.type !== "light-edge") continue;
    const channel = String(e.channel);
    const series = edges.get(channel) ?? { t: [], w: [] };
    series.t.push(Number(e.t_s));
    series.w.push(e.on === true ? Number(e.powerMw) / 1000 : 0);
    edges.set(channel, series);
  }
  let lightEdges = 0;
  for (const [channel, series] of edges) {
    if (!meta.rig.light.some((c) => c.name === channel))
      throw new FileProblem(join(dir, SESSION_FILES.events), [
        `light edges of channel '${channel}', which the session's rig configuration does not have`,
      ]);
    const w = new TimeSeriesWriter(presentation, `light_${channel}`, "OptogeneticSeries", {
      description:
        `light power at the fibre tip on channel '${channel}', W, at every on/off edge the light ` +
        "controller reported (device time on the session clock); the power holds until the next edge",
      unit: "watts",
      continuity: "step",
    });
    w.append(Float64Array.from(series.t), Float64Array.from(series.w));
    w.group.create_soft_link(`/general/optogenetics/${channel}`, "site");
    lightEdges += series.t.length;
  }

  // --- eye and stimulus streams, and the cycles recomputed from them ----------------------------------------
  const behavior = typedGroup(processing, "behavior", "ProcessingModule");
  behavior.create_attribute("description", "eye movements recorded during the HOKR session");
  const eyeTracking = typedGroup(behavior, "EyeTracking", "EyeTracking");
  const eye = new TimeSeriesWriter(eyeTracking, "horizontal_eye_position", "SpatialSeries", {
    description:
      "horizontal eye position, degrees (positive = rightward), at the tracker's frame times on the session " +
      "clock; NaN where the pupil was lost (blink)",
    unit: "degrees",
    continuity: "continuous",
  });
  text(
    eye.group,
    "reference_frame",
    "0° = eye straight ahead in the head (tracker calibration); + = rightward",
  );
  const stim = new TimeSeriesWriter(presentation, "stimulus_position", "TimeSeries", {
    description:
      "angular position of the visual stimulus (drum or stripes) as the device reported it, degrees " +
      "(positive = rightward), on the session clock",
    unit: "degrees",
    continuity: "continuous",
  });
  const { cycles, blocks, eyeSamples, stimulusSamples } = readSessionSamples(dir, meta, {
    eye: (t, v) => eye.append(t, v),
    stimulus: (t, v) => stim.append(t, v),
  });
  if (eyeSamples === 0) warnings.push("eye.tsv holds no sample: the eye series is empty");
  const mismatch = compareBlocks(blocks, folder.blocks);
  if (mismatch) warnings.push(mismatch);

  // --- intervals ---------------------------------------------------------------------------------------------
  const phases = meta.timeline.phases;
  dynamicTable(
    intervals,
    "epochs",
    "TimeIntervals",
    "protocol phases as planned on the session clock (s); tags: phase name",
    phases.length,
    [
      { name: "start_time", description: "phase start, s", float: phases.map((p) => p.startS) },
      { name: "stop_time", description: "phase end, s", float: phases.map((p) => p.endS) },
      {
        name: "stimulus_on",
        description: "1 if the stimulus moved during the phase, else 0",
        int: phases.map((p) => (p.stimulusOn ? 1 : 0)),
      },
    ],
    [{ name: "tags", description: "phase name", values: phases.map((p) => [p.name]) }],
  );
  const col = (name: string, description: string, f: (c: CycleResult) => number) => ({
    name,
    description,
    float: cycles.map(f),
  });
  dynamicTable(
    intervals,
    "cycles",
    "TimeIntervals",
    "stimulus cycles with the sinusoid fit of the eye (slow phase) against the stimulus; recomputed from the " +
      "recorded streams by hokr's live analysis",
    cycles.length,
    [
      col("start_time", "cycle start, s (session clock)", (c) => c.startMs / 1000),
      col("stop_time", "cycle end, s", (c) => c.endMs / 1000),
      { name: "phase", description: "protocol phase", text: cycles.map((c) => c.epoch.phase) },
      {
        name: "cycle",
        description: "cycle number within the phase, from 0",
        int: cycles.map((c) => c.index),
      },
      col("gain", "eye amplitude / stimulus amplitude (NaN: no fit)", (c) => c.gain),
      col("phase_lag_deg", "eye phase lag behind the stimulus, degrees", (c) => c.phaseLagDeg),
      col("r2", "r² of the eye's sinusoid fit", (c) => c.r2),
      col(
        "used_fraction",
        "fraction of the cycle's eye samples used (fast phases removed)",
        (c) => c.usedFraction,
      ),
      {
        name: "good",
        description: "1 if the cycle counts toward its block, else 0",
        int: cycles.map((c) => (c.good ? 1 : 0)),
      },
    ],
  );
  const b = folder.blocks;
  const training = meta.timeline.trainingStartS;
  const bcol = (name: string, description: string, f: (x: GainBlock) => number) => ({
    name,
    description,
    float: b.map(f),
  });
  dynamicTable(
    intervals,
    "blocks",
    "TimeIntervals",
    "gain blocks (the session's gain.tsv): means over each block's good cycles",
    b.length,
    [
      bcol("start_time", "block start, s (session clock)", (x) => training + x.t_start_s),
      bcol("stop_time", "block end, s (session clock)", (x) => training + x.t_end_s),
      { name: "block", description: "block number, from 0", int: b.map((x) => x.block) },
      { name: "phase", description: "protocol phase", text: b.map((x) => x.phase) },
      bcol("t_s", "block mid-time, s since the training phase started", (x) => x.t_s),
      bcol("gain", "mean gain of the block's good cycles (NaN: none good)", (x) => x.gain),
      bcol("phase_lag_deg", "mean eye phase lag, degrees", (x) => x.phase_lag_deg),
      bcol("r2", "mean r² of the good cycles' fits", (x) => x.r2),
      { name: "cycles_used", description: "good cycles", int: b.map((x) => x.cycles_used) },
      { name: "cycles_total", description: "cycles in the block", int: b.map((x) => x.cycles_total) },
      { name: "quality", description: "'ok' or quality flags", text: b.map((x) => x.quality) },
    ],
  );

  // --- learning, definitions, the folder's own description ------------------------------------------------
  const learning = sessionLearning(folder.blocks, folder.meta.timeline);
  const scratchValue = (name: string, value: number | null, notes: string) => {
    const d = typed(float64(scratch, name, value ?? Number.NaN), "ScratchData");
    d.create_attribute("notes", notes);
    d.create_attribute("description", notes);
  };
  scratchValue("online_learning", learning.onlineLearning, `${LEARNING_DEFINITIONS.online}; NaN: undefined`);
  scratchValue(
    "offline_learning",
    learning.offlineLearning,
    `${LEARNING_DEFINITIONS.offline}; NaN: undefined`,
  );
  scratchValue("first_training_gain", learning.firstTrainingGain, "gain of the first training block");
  scratchValue("last_training_gain", learning.lastTrainingGain, "gain of the last training block");
  scratchValue("test_gain", learning.testGain, "gain of the test block used for offline learning");
  const session = typed(text(scratch, "hokr_session", JSON.stringify(meta)), "ScratchData");
  session.create_attribute("notes", "session.json of the session folder this file was exported from");
  session.create_attribute("description", "session.json (hokr-session/1)");
  if (warnings.length > 0) {
    const w = typed(text(scratch, "export_warnings", warnings), "ScratchData");
    w.create_attribute("notes", "problems found while exporting: read before using the data");
    w.create_attribute("description", "export warnings");
  }
  text(
    general,
    "notes",
    [
      `exported from hokr session folder ${basename(resolve(dir))}, status ${meta.status}` +
        (meta.end ? ` (${meta.end.reason}, at ${meta.end.sessionS.toFixed(1)} s)` : ""),
      `protocol file ${meta.protocolFile}, sha256 ${meta.protocolHash} (of general/protocol)`,
      `recorded by ${meta.software.name} ${meta.software.version} (Node ${meta.software.node}) on the ` +
        `${meta.clock} clock, rig '${meta.rig.name}'${meta.replayOf ? `; replay of ${meta.replayOf}` : ""}`,
      `exported by ${SOFTWARE.name} ${SOFTWARE.version}; analysis settings ${JSON.stringify(meta.analysis)}`,
      `online learning ${learning.onlineLearning ?? "undefined"}, offline learning ${learning.offlineLearning ?? "undefined"} (definitions in scratch/)`,
      ...warnings.map((w) => `WARNING: ${w}`),
    ].join("\n"),
  );
  return { eyeSamples, stimulusSamples, lightEdges, cycles: cycles.length, blocks: b.length };
}

/** The recomputed blocks must be gain.tsv's (to its 6 decimals); if not, the cycles table cannot be trusted. */
function compareBlocks(recomputed: GainBlock[], recorded: GainBlock[]): string | undefined {
  const close = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 2e-6;
  if (recomputed.length < recorded.length)
    return (
      `gain.tsv has ${recorded.length} blocks but the cycles recomputed from the recorded eye and stimulus ` +
      `streams fill only ${recomputed.length}: intervals/cycles lacks the cycles of the others`
    );
  for (const r of recorded) {
    const c = recomputed[r.block];
    if (
      !c ||
      c.phase !== r.phase ||
      c.cycles_used !== r.cycles_used ||
      c.cycles_total !== r.cycles_total ||
      !close(c.gain, r.gain) ||
      !close(c.t_start_s, r.t_start_s)
    )
      return `block ${r.block}: the cycles recomputed from the recorded streams do not reproduce gain.tsv (gain ${c?.gain} vs ${r.gain})`;
  }
  return undefined;
}
