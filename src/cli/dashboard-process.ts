// `hokr run --dashboard`: the dashboard runs as its own process, reading the session folder the recorder
// flushes. The session never waits for it, never hears from it, and carries on if it dies.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { lowerPriority } from "./priority.ts";

const HOKR = fileURLToPath(new URL("./hokr.js", import.meta.url));

export interface DashboardProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): void;
}

export function startDashboardProcess(
  dir: string,
  o: { port: number; host?: string },
): Promise<DashboardProcess> {
  const args = [HOKR, "dashboard", dir, "--wait", "--json", "--port", String(o.port)];
  if (o.host) args.push("--host", o.host);
  // Its own process group, so a Ctrl-C meant for the session does not reach it first; stopped below. Over the
  // IPC channel nothing is ever sent: the dashboard exits when it closes, which is when this process ends in
  // any way (SIGKILL, a crash), so no dashboard is left running after its session. Unreferenced: the channel
  // keeps neither process alive.
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    detached: true,
  });
  child.channel?.unref();
  // The session comes first when the CPU is busy: the viewer runs at a lower priority.
  if (child.pid !== undefined) lowerPriority(child.pid);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
    child.once("exit", (code) =>
      reject(new Error(`the dashboard did not start (exit code ${code}; its message is above)`)),
    );
    lines.once("line", (line) => {
      const { url, pid } = JSON.parse(line) as { url: string; pid: number };
      lines.close();
      child.stdout?.resume(); // nothing more is read; never let its pipe fill
      resolve({
        url,
        pid,
        child,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        },
      });
    });
  });
}
