// CPU priority of hokr's processes. Linux shares the CPU between the task groups of login and terminal
// sessions first (autogroup) and only then between the tasks of a group, so a nice value counts only within
// its group: lowering a viewer sets its own nice value and its group's.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { setPriority } from "node:os";

/** Nice value of a viewer (the dashboard): always allowed, since it only lowers the priority. */
const VIEWER_NICE = 10;

const autogroup = (pid: number | "self") => `/proc/${pid}/autogroup`;

/** Sets the group's nice value; false where there are no autogroups (not Linux, or turned off). */
function reniceGroup(pid: number | "self", nice: number): boolean {
  try {
    writeFileSync(autogroup(pid), String(nice));
    return true;
  } catch {
    return false;
  }
}

/** A viewer process (its own session, so its own group) yields the CPU to the session it watches. */
export function lowerPriority(pid: number): void {
  try {
    setPriority(pid, VIEWER_NICE);
  } catch {
    // not permitted on this system: it runs at the session's priority
  }
  reniceGroup(pid, VIEWER_NICE);
}

/** Real-time priority of a session's control thread (SCHED_FIFO, 1–99): above every ordinary task. */
const SESSION_RT_PRIORITY = 10;

/**
 * Puts a session on the real clock ahead of everything else on the computer — a browser drawing the dashboard,
 * a virus scan — where the system allows it (root, or CAP_SYS_NICE): its control thread (this process's main
 * thread: clock, drivers, engine, recorder) goes on Linux's real-time scheduler, SCHED_FIFO, through
 * util-linux's `chrt`. A deadline that wakes it then runs at once instead of waiting for its turn among ordinary
 * tasks. Measured with `npm run bench -- dashboard` (8 rounds each way): p99 sample latency and pulse lateness
 * with a dashboard connected were 1.45× and 1.39× a session's without; on SCHED_FIFO 1.02× and 0.97×. Only that
 * thread and only for this process's life: nothing to restore, and the processes it starts (the dashboard),
 * the terminal and the devices' own processes keep an ordinary priority. The thread sleeps until just before
 * each deadline, and Linux keeps 5% of every second for ordinary tasks whatever a real-time thread does
 * (sched_rt_runtime_us). Returns what it got, for the user.
 */
export function raiseSessionPriority(): string {
  if (process.platform !== "linux") return "running at normal CPU priority";
  const chrt = spawnSync(
    "chrt",
    ["--fifo", "--reset-on-fork", "--pid", String(SESSION_RT_PRIORITY), String(process.pid)],
    { stdio: "ignore" },
  );
  return chrt.status === 0
    ? `running ahead of other programs (real-time priority ${SESSION_RT_PRIORITY})`
    : "running at normal CPU priority (to let hokr put a session ahead of other programs, run it as root or grant node CAP_SYS_NICE)";
}
