// Loading a protocol file: JSON → schema → timeline → light safety against the rig.
import { createHash } from "node:crypto";
import { FileProblem, readJsonFile } from "../config/json-file.ts";
import type { RigConfig } from "../config/rig-config.ts";
import { lightSafetyProblems } from "./safety.ts";
import { Protocol } from "./schema.ts";
import { buildTimeline, type Timeline } from "./timeline.ts";

export interface LoadedProtocol {
  file: string;
  protocol: Protocol;
  /** sha256 of the protocol as run (after defaults), so a session names exactly what it ran. */
  hash: string;
  timeline: Timeline;
}

export function checkProtocol(file: string, protocol: Protocol, rig: RigConfig): LoadedProtocol {
  const timeline = buildTimeline(protocol);
  const problems = lightSafetyProblems(timeline, rig);
  if (problems.length > 0) throw new FileProblem(file, problems);
  const hash = createHash("sha256").update(JSON.stringify(protocol)).digest("hex");
  return { file, protocol, hash, timeline };
}

/** Throws FileProblem listing every problem (schema and safety) with its place and fix. */
export const loadProtocol = (file: string, rig: RigConfig): LoadedProtocol =>
  checkProtocol(file, readJsonFile(file, Protocol), rig);
