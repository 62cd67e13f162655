// The `hokr` command line. Each command lives in src/cli/commands/<name>.ts and registers itself here.
import { Command } from "commander";

/**
 * Each command's module, loaded only when that command runs: a command pulls in its own dependencies (the
 * serial stack, vega, h5wasm…), and loading all of them costs seconds before anything starts.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  analyze: async () => (await import("./commands/analyze.ts")).registerAnalyze,
  dashboard: async () => (await import("./commands/dashboard.ts")).registerDashboard,
  export: async () => (await import("./commands/export.ts")).registerExport,
  fit: async () => (await import("./commands/fit.ts")).registerFit,
  flash: async () => (await import("./commands/flash.ts")).registerFlash,
  kuramoto: async () => (await import("./commands/kuramoto/index.ts")).registerKuramoto,
  ports: async () => (await import("./commands/ports.ts")).registerPorts,
  replay: async () => (await import("./commands/replay.ts")).registerReplay,
  report: async () => (await import("./commands/report.ts")).registerReport,
  run: async () => (await import("./commands/run.ts")).registerRun,
  schema: async () => (await import("./commands/schema.ts")).registerSchema,
  simulate: async () => (await import("./commands/simulate.ts")).registerSimulate,
  validate: async () => (await import("./commands/validate.ts")).registerValidate,
};

const program = new Command("hokr")
  .description("HOKR motor-learning experiments: run, validate, analyse, fit, replay, simulate, export")
  .showHelpAfterError();

// The command named on the line (the first argument), or every command when none is (help, a typo).
const first = process.argv[2] ?? "";
const named = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
for (const load of named ? [named] : Object.values(COMMANDS)) (await load())(program);

await program.parseAsync(process.argv);
