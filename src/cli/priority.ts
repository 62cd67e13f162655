// CPU priority of hokr's processes. Linux shares the CPU between the task groups of login and terminal
// sessions first (autogroup) and only then between the tasks of a group, so a nice value counts only within
// its group: lowering a viewer sets its own nice value and its group's.
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
