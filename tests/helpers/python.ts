// numpy/scipy as an independent reference: Debian's python3 (apt packages python3-numpy, python3-scipy).
import { execFileSync } from "node:child_process";

export const PYTHON = "/usr/bin/python3";

/** Runs `code` with `data` as JSON on stdin (bound to `data`), returns the JSON it prints. */
export function python<T>(code: string, data: unknown): T {
  const script = `import json, sys\nimport numpy as np\ndata = json.load(sys.stdin)\n${code}`;
  return JSON.parse(
    execFileSync(PYTHON, ["-c", script], { input: JSON.stringify(data), encoding: "utf8" }),
  ) as T;
}
