#!/usr/bin/env node
// `npx hokr …`: run the TypeScript CLI through tsx's loader, so users need no build step.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
