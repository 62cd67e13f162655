// The software identity written into every session folder.
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  name: string;
  version: string;
};

export const SOFTWARE = { name: pkg.name, version: pkg.version, node: process.version };
