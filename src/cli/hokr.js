#!/usr/bin/env node
// `npx hokr …`: run the TypeScript CLI through tsx's loader, so users need no build step.
import { register } from "tsx/esm/api";

// NWB export's h5wasm is one 4 MB file: loaded before tsx's hooks, it costs ~40 MB; through them, whose
// dynamic-import rewrite maps every byte of it, ~600 MB.
if (process.argv.includes("--nwb")) await import("h5wasm/node");
register();
await import("./main.ts");
