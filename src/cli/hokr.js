#!/usr/bin/env node
// `npx hokr …`: the TypeScript CLI, with no build step for the user. On first use (and after any source file
// changed) esbuild compiles it into one bundle under node_modules/.cache/hokr-cli/, keyed by the sources'
// sizes and modification times; a command then starts from that bundle in ~0.2 s, where loading ~150 modules
// one by one through tsx's hooks took ~0.6 s. Where the bundle cannot be built or written, tsx runs the sources.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Folders whose files the CLI is built from (every package under node_modules stays external). */
const SOURCES = ["src", "devices", "mocks"];
const CACHE = join(ROOT, "node_modules", ".cache", "hokr-cli");
/** A bundle another key left behind is removed once it is this old (a process may still be running it). */
const STALE_MS = 24 * 3600 * 1000;

/** Names the sources as they are now: any file added, removed or changed gives another key. */
function sourceKey() {
  const hash = createHash("sha256");
  hash.update(`${process.version}\n${readFileSync(join(ROOT, "package-lock.json"))}\n`);
  for (const dir of SOURCES)
    for (const file of readdirSync(join(ROOT, dir), { recursive: true }).sort()) {
      if (!/\.(ts|js|json)$/.test(file)) continue;
      const s = statSync(join(ROOT, dir, file));
      hash.update(`${dir}/${file}\0${s.size}\0${s.mtimeMs}\n`);
    }
  return hash.digest("hex").slice(0, 16);
}

/**
 * Each module finds its own files (firmware image, worker scripts, browser pages) relative to
 * `import.meta.url`: in the bundle that is set to the module's source file, so those paths stay what they are.
 */
const sourceUrls = {
  name: "source-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replaceAll(
        "import.meta.url",
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: "ts",
    }));
  },
};

async function bundle() {
  const out = join(CACHE, sourceKey());
  if (existsSync(join(out, "main.js"))) return out;
  const { build } = await import("esbuild");
  const tmp = `${out}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(ROOT, "src", "cli", "main.ts")],
    outdir: tmp,
    bundle: true,
    splitting: true, // each command stays its own chunk, loaded only when it runs
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: true, // `node --enable-source-maps src/cli/hokr.js …` names the TypeScript sources in a stack
    logLevel: "silent",
    plugins: [sourceUrls],
  });
  // Another process may have built the same key meanwhile: its bundle is the same, keep it.
  try {
    renameSync(tmp, out);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const old of readdirSync(CACHE))
    if (join(CACHE, old) !== out && Date.now() - statSync(join(CACHE, old)).mtimeMs > STALE_MS)
      rmSync(join(CACHE, old), { recursive: true, force: true });
  return out;
}

let built;
try {
  built = await bundle();
} catch {
  built = undefined; // a read-only install, or esbuild missing: run the sources through tsx instead
}
if (built) await import(pathToFileURL(join(built, "main.js")).href);
else {
  // NWB export's h5wasm is one 4 MB file: loaded before tsx's hooks, it costs ~40 MB; through them, whose
  // dynamic-import rewrite maps every byte of it, ~600 MB.
  if (process.argv.includes("--nwb")) await import("h5wasm/node");
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
