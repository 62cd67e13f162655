// CPU priority of hokr's processes. Linux shares the CPU between the task groups of login and terminal
// sessions first (autogroup) and only then between the tasks of a group, so a nice value counts only within
// its group: each change here sets the process's own nice value and its group's.
import { readFileSync, writeFileSync } from "node:fs";
import { constants, setPriority } from "node:os";

/** Nice value of a session on the real clock where the system allows it (root, or CAP_SYS_NICE). */
const SESSION_NICE = constants.priority.PRIORITY_HIGH; // −14
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

/**
 * Puts this process (a session on the real clock) ahead of the rest of the computer — a browser showing the
 * dashboard, a virus scan — so they cannot make its deadlines late. The group is shared with the terminal the
 * session was started from: its nice value goes back as the process exits. Returns what it got, for the user.
 */
export function raiseOwnPriority(): string {
  try {
    setPriority(SESSION_NICE);
  } catch {
    return "running at normal CPU priority (to let hokr raise it, run it as root or grant node CAP_SYS_NICE)";
  }
  let before: string | undefined;
  try {
    before = /nice (-?\d+)/.exec(readFileSync(autogroup("self"), "utf8"))?.[1];
  } catch {
    // no autogroups: the process's own nice value is all there is
  }
  if (before !== undefined && reniceGroup("self", SESSION_NICE))
    process.once("exit", () => reniceGroup("self", Number(before)));
  return `running at raised CPU priority (nice ${SESSION_NICE})`;
}
