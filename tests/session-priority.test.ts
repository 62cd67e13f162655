// A session on the real clock puts its control thread on Linux's real-time scheduler where the system allows
// it (src/cli/priority.ts): that thread only, and not the processes it starts.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Scheduling policy of /proc/<who>/stat (field 41): 0 ordinary, 1 SCHED_FIFO. */
const POLICY = `(who) => Number(require("node:fs").readFileSync("/proc/" + who + "/stat", "utf8").split(") ")[1].split(" ")[38])`;

describe.runIf(process.platform === "linux")("session priority", () => {
  it("raises the calling thread to SCHED_FIFO, or says it could not; a process it starts runs ordinarily", () => {
    const script = `
      import { raiseSessionPriority } from "./src/cli/priority.ts";
      import { createRequire } from "node:module";
      import { execFileSync } from "node:child_process";
      const require = createRequire(import.meta.url);
      const policy = ${POLICY};
      const said = raiseSessionPriority();
      const child = Number(execFileSync("sh", ["-c", "cut -d')' -f2 /proc/self/stat | cut -d' ' -f40"], { encoding: "utf8" }));
      process.stdout.write(JSON.stringify({ said, self: policy("thread-self"), child }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        encoding: "utf8",
      }),
    ) as { said: string; self: number; child: number };
    if (out.said.includes("real-time priority")) expect(out.self).toBe(1);
    else {
      expect(out.said).toMatch(/normal CPU priority/);
      expect(out.self).toBe(0);
    }
    expect(out.child).toBe(0);
  });
});
