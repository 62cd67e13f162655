// `hokr report SESSION_DIR`: the session as one self-contained HTML file.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { guarded, UsageError } from "../errors.ts";

export function registerReport(program: Command): void {
  program
    .command("report")
    .description(
      "write one self-contained HTML report of a session: learning curve and model, gain per cycle, traces, light, protocol, rig, warnings",
    )
    .argument("<session>", "session folder written by `hokr run`")
    .option("--out <file>", "where to write it (default <session>/report.html)")
    .action(
      guarded(async (dir: string, opts: { out?: string }) => {
        if (!existsSync(join(dir, "session.json")))
          throw new UsageError(`${dir}: no session.json; give a session folder written by \`hokr run\``);
        // The report loads vega to draw its charts: only this command pays for that.
        const { sessionReport } = await import("../../report/report.ts");
        const out = opts.out ?? join(dir, "report.html");
        writeFileSync(out, await sessionReport(dir));
        process.stdout.write(`report written to ${out}\n`);
      }),
    );
}
