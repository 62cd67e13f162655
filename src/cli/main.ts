// The `hokr` command line. Each command lives in src/cli/commands/<name>.ts and registers itself here.
import { Command } from "commander";
import { registerAnalyze } from "./commands/analyze.ts";
import { registerDashboard } from "./commands/dashboard.ts";
import { registerExport } from "./commands/export.ts";
import { registerFit } from "./commands/fit.ts";
import { registerFlash } from "./commands/flash.ts";
import { registerKuramoto } from "./commands/kuramoto/index.ts";
import { registerPorts } from "./commands/ports.ts";
import { registerReplay } from "./commands/replay.ts";
import { registerReport } from "./commands/report.ts";
import { registerRun } from "./commands/run.ts";
import { registerSchema } from "./commands/schema.ts";
import { registerSimulate } from "./commands/simulate.ts";
import { registerValidate } from "./commands/validate.ts";

const program = new Command("hokr")
  .description("HOKR motor-learning experiments: run, validate, analyse, fit, replay, simulate, export")
  .showHelpAfterError();

registerAnalyze(program);
registerDashboard(program);
registerExport(program);
registerFit(program);
registerFlash(program);
registerKuramoto(program);
registerPorts(program);
registerReplay(program);
registerReport(program);
registerRun(program);
registerSchema(program);
registerSimulate(program);
registerValidate(program);

await program.parseAsync(process.argv);
