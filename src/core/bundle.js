// The TypeScript sources compiled by esbuild into one bundle, with no build step for the user: the `hokr`
// command (src/cli/hokr.js) and the worker threads (tsWorker) start from it. `npm ci` builds it (the
// package's `prepare` script runs this file), so a fresh clone's first command starts as fast as any; it is
// built again on first use whenever a source file changed, under node_modules/.cache/hokr-cli/, keyed by the
// sources' sizes and modification times. A command then starts in ~0.25 s, where loading ~150 modules one by
// one through tsx's hooks took ~0.6 s (and as long again for each worker thread). Plain JavaScript: it runs
// before any TypeScript can be loaded.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Folders whose files the bundle is built from (packages: see INLINE). */
const SOURCES = ["src", "devices", "mocks"];
const CACHE = join(ROOT, "node_modules", ".cache", "hokr-cli");
/**
 * A bundle another key left behind is removed once it is this much older than the new one (a process may
 * still be running it).
 */
const STALE_MS = 24 * 3600 * 1000;

/** The source files, relative to the root: any file added, removed or changed gives another key. */
function sourceFiles() {
  return SOURCES.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true })
      .filter((f) => /\.(ts|js|json)$/.test(f))
      .map((f) => join(dir, f)),
  ).sort();
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

/**
 * Packages compiled into the bundle: loaded from node_modules they are hundreds of small CommonJS files
 * (rxjs) or modules (zod, commander) that Node resolves and parses one by one at every start, ~130 ms of a
 * command's ~450 ms. Every other package stays external (native bindings, files found by path, large
 * libraries a command loads only when it needs them).
 */
const INLINE = ["rxjs", "zod", "commander"];
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      INLINE.some((p) => args.path === p || args.path.startsWith(`${p}/`))
        ? undefined
        : { path: args.path, external: true },
    );
  },
};

/** Builds the bundle if it is not there yet; returns its folder. */
async function bundleFolder() {
  const files = sourceFiles();
  const hash = createHash("sha256");
  hash.update(`${process.version}\n${readFileSync(join(ROOT, "package-lock.json"))}\n`);
  for (const f of files) {
    const s = statSync(join(ROOT, f));
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  const out = join(CACHE, hash.digest("hex").slice(0, 16));
  if (existsSync(out)) return out;
  const { build } = await import("esbuild");
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await build({
    // The command line and every worker thread's module; each keeps its path under the root.
    entryPoints: [join("src", "cli", "main.ts"), ...files.filter((f) => f.endsWith(".worker.ts"))].map((f) =>
      join(ROOT, f),
    ),
    outbase: ROOT,
    outdir: tmp,
    bundle: true,
    splitting: true, // each command stays its own chunk, loaded only when it runs
    format: "esm",
    platform: "node",
    target: "node20",
    sourcemap: true, // `node --enable-source-maps …` names the TypeScript sources in a stack
    logLevel: "silent",
    plugins: [externalPackages, sourceUrls],
    // The CommonJS packages compiled in (rxjs, commander) call require() for Node's modules and their own.
    banner: {
      js: 'import { createRequire as hokrRequire } from "node:module"; const require = hokrRequire(import.meta.url);',
    },
  });
  // Another process may have built the same key meanwhile: its bundle is the same, keep it.
  try {
    renameSync(tmp, out);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  const builtMs = statSync(out).mtimeMs;
  for (const old of readdirSync(CACHE))
    if (join(CACHE, old) !== out && builtMs - statSync(join(CACHE, old)).mtimeMs > STALE_MS)
      rmSync(join(CACHE, old), { recursive: true, force: true });
  return out;
}

/**
 * The bundled module of a source entry (src/cli/main.ts or a `*.worker.ts`, by its file URL), as a file URL;
 * undefined where the bundle cannot be built or written (a read-only install, esbuild missing): then run the
 * source through tsx.
 */
export async function bundledEntry(source) {
  try {
    const js = join(await bundleFolder(), relative(ROOT, fileURLToPath(source)).replace(/\.ts$/, ".js"));
    return existsSync(js) ? pathToFileURL(js).href : undefined;
  } catch {
    return undefined;
  }
}

// `node src/core/bundle.js` (npm's `prepare`, after `npm ci`): builds the bundle now rather than on first use.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  try {
    await bundleFolder();
  } catch (e) {
    // Not fatal: the first command builds it, or runs through tsx.
    process.stderr.write(
      `hokr: the command's bundle was not built now (${e.message}); it will be on first use\n`,
    );
  }
}
