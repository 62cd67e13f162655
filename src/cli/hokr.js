#!/usr/bin/env node
// `npx hokr …`: the TypeScript CLI with no build step for the user, started from the sources' cached esbuild
// bundle (src/core/bundle.js), or through tsx where that bundle cannot be built.
import { bundledEntry } from "../core/bundle.js";

const main = await bundledEntry(new URL("./main.ts", import.meta.url));
if (main) await import(main);
else {
  // NWB export's h5wasm is one 4 MB file: loaded before tsx's hooks, it costs ~40 MB; through them, whose
  // dynamic-import rewrite maps every byte of it, ~600 MB.
  if (process.argv.includes("--nwb")) await import("h5wasm/node");
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
