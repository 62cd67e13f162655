// The `hokr` command line. Each command lives in src/cli/commands/<name>.ts and registers itself here.
import { Command } from "commander";

const program = new Command("hokr")
  .description("HOKR motor-learning experiments: run, validate, analyse, fit, replay, simulate")
  .showHelpAfterError();

await program.parseAsync(process.argv);
