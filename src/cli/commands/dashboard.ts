// `hokr dashboard SESSION_DIR`: a live view of a session folder in the browser — following a running session
// as the recorder flushes it, or showing a finished one. `hokr run --dashboard` starts this command as a
// separate process, so the view stays out of the control loop.
import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { guarded, numberOption, UsageError } from "../errors.ts";

export interface ServeOptions {
  port: number;
  host?: string;
}

/** --port and --host, for a command that serves pages (the dashboard, the stripe display page). */
export const portOption = (what: string): Option =>
  new Option("--port <n>", `TCP port for the ${what} (0 = any free port)`)
    .argParser(numberOption("a port number 0–65535", (n) => Number.isInteger(n) && n >= 0 && n <= 65535))
    .default(0);
export const hostOption = (what: string): Option =>
  new Option(
    "--host <address>",
    `listen on this address instead of 127.0.0.1 (other machines can then reach the ${what}; the URL's token is still required)`,
  );

/** A server that cannot listen, said as what to change. */
export const listenProblem = (e: NodeJS.ErrnoException, o: ServeOptions): string =>
  e.code === "EADDRINUSE"
    ? `port ${o.port} is in use; choose another --port (0 = any free port)`
    : e.code === "EADDRNOTAVAIL" || e.code === "ENOTFOUND"
      ? `--host ${o.host}: not an address of this machine`
      : e.message;

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description("watch a session in the browser: live while it runs, or a finished one (read-only)")
    .argument("<session>", "session folder written by `hokr run`")
    .addOption(portOption("dashboard"))
    .addOption(hostOption("dashboard"))
    .option("--wait", "wait for the session folder to appear (used by `hokr run --dashboard`)")
    .option("--json", "print one JSON line with the dashboard's URL and process id")
    .action(
      guarded(async (dir: string, opts: ServeOptions & { wait?: boolean; json?: boolean }) => {
        if (!opts.wait && !existsSync(dir))
          throw new UsageError(`${dir}: no such session folder; give a folder written by \`hokr run\``);
        // Loaded here, not with the command line: `hokr run` registers this file's options at every start.
        const { serveDashboard } = await import("../../dashboard/server.ts");
        const d = await serveDashboard({
          dir,
          port: opts.port,
          ...(opts.host ? { host: opts.host } : {}),
        }).catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(listenProblem(e, opts));
        });
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ url: d.url, pid: process.pid })}\n`
            : `dashboard for ${dir}: ${d.url}\n(Ctrl-C to stop; the session is not affected)\n`,
        );
        await new Promise<void>((resolve) => {
          for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => resolve());
          // Started by `hokr run --dashboard`: its channel closes when that process ends, however it ends.
          if (process.channel) {
            process.channel.unref();
            process.once("disconnect", () => resolve());
          }
        });
        await d.close();
      }),
    );
}
