// The project's layers, and the check that imports only look down (`npm run lint` runs it; a test too).
// A folder may import its own files and folders of lower layers, never a folder beside it or above it, so
// there can be no import cycle between folders. tests/ and bench/ sit above everything and are not checked.
//   npx tsx tests/layers.ts     prints each violation with the importing file, exit 1 if any
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Bottom first. Each entry: the folders of one layer and what the layer is for (the README lists them). */
export const LAYERS: readonly { folders: readonly string[]; role: string }[] = [
  {
    folders: ["src/core", "src/plot", "src/types"],
    role: "session clock and scheduler, sample and time-grid types, software identity, random numbers, SVG output",
  },
  { folders: ["devices"], role: "device descriptions, sans-IO codecs, drivers that own a port" },
  {
    folders: ["mocks", "src/config"],
    role: "simulated hardware and the virtual mouse; reading JSON files and the rig configuration",
  },
  {
    folders: ["src/protocol", "src/models"],
    role: "protocols and their timeline; learning and network models",
  },
  { folders: ["src/analysis"], role: "from eye and stimulus samples to cycles, gain blocks and learning" },
  { folders: ["src/engine"], role: "plays a timeline on a rig and runs the analysis stages" },
  { folders: ["src/recording"], role: "the session folder and the other file formats" },
  { folders: ["src/fitting"], role: "fitting learning models to gain tables" },
  {
    folders: ["src/rig", "src/web"],
    role: "assembling a real rig, or a simulated one behind real drivers; serving the rig's own web pages",
  },
  {
    folders: ["src/app"],
    role: "running a session from start to end on a simulated or real rig; analysing a trace",
  },
  {
    folders: ["src/replay", "src/cohort", "src/export", "src/dashboard"],
    role: "replaying recorded sessions; virtual cohorts; exporting session folders (NWB); the live dashboard",
  },
  { folders: ["src/report"], role: "the self-contained HTML report of a session" },
  { folders: ["src/cli"], role: "the hokr command line" },
];

const ROOTS = ["src", "devices", "mocks"];
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|new URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** The folder a project file belongs to: devices/…, mocks/… or src/<name>/…; null for others. */
export function folderOf(file: string): string | null {
  const parts = normalize(file).split("/");
  if (parts[0] === "devices" || parts[0] === "mocks") return parts[0];
  if (parts[0] === "src" && parts.length > 2) return `src/${parts[1]}`;
  return null;
}

export interface Import {
  from: string;
  to: string;
}

/** Every relative import (static, dynamic, or a worker's `new URL`) between files of the project. */
export function projectImports(root: string): Import[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(name)) files.push(path);
    }
  };
  for (const r of ROOTS) walk(r);
  return files.flatMap((from) =>
    [...readFileSync(join(root, from), "utf8").matchAll(SPECIFIER)].map((m) => ({
      from,
      to: relative(root, join(root, dirname(from), m[1] as string)),
    })),
  );
}

/** What breaks the layering: imports into a folder of the same or a higher layer, or into no known layer. */
export function layerViolations(imports: readonly Import[], layers = LAYERS): string[] {
  const layerOf = new Map(layers.flatMap((l, i) => l.folders.map((f) => [f, i] as const)));
  const problems: string[] = [];
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    // Data files (package.json, protocols/) are not code: they belong to no layer.
    if (a === null || a === b || (b === null && !/\.(ts|js)$/.test(to))) continue;
    const la = layerOf.get(a);
    const lb = b === null ? undefined : layerOf.get(b);
    if (la === undefined)
      problems.push(`${from}: folder ${a} is in no layer (add it to LAYERS in tests/layers.ts)`);
    else if (lb === undefined) problems.push(`${from} imports ${to}, outside every layer`);
    else if (lb >= la)
      problems.push(
        `${from} imports ${to}: ${a} (layer ${la}) may only import lower layers, and ${b} is ${lb === la ? "beside it" : `above it (layer ${lb})`}`,
      );
  }
  return [...new Set(problems)];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = layerViolations(projectImports(process.cwd()));
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`${problems.length} import(s) break the layers (tests/layers.ts lists them, bottom first)`);
    process.exitCode = 1;
  } else console.log(`layers: ${LAYERS.length} layers, every import looks down`);
}
