// The README's fault table and the PTY fault suite describe the same faults: every row names a test in the file it
// gives (a row listing signals, "SIGINT / SIGTERM / SIGHUP while …", stands for one test per signal), and every
// test in tests/pty/ has its row. A test's fault is its title up to the first ": ".
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { expect, it } from "vitest";

/** The table's rows: each fault (signal lists expanded) with the test file that must hold its test. */
function faultTableRows(readme: string): { fault: string; file: string }[] {
  const table = /<!-- fault-table -->\n([\s\S]*?)<!-- \/fault-table -->/.exec(readme)?.[1];
  if (!table) throw new Error("README.md has no <!-- fault-table --> … <!-- /fault-table --> section");
  return table
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| fault ") && !l.startsWith("|---"))
    .flatMap((l) => {
      const cells = l.split(" | ").map((c) => c.replace(/^\| |`| \|$/g, "").trim());
      const fault = cells[0] ?? "";
      const file = cells.at(-1) ?? "";
      const signals = /(SIG[A-Z]+(?: \/ SIG[A-Z]+)+)/.exec(fault)?.[1];
      const faults = signals ? signals.split(" / ").map((sig) => fault.replace(signals, sig)) : [fault];
      return faults.map((f) => ({ fault: f, file }));
    });
}

/** Every test vitest collects in tests/pty/, as its file and fault (title up to ": "). */
function ptyTests(): { fault: string; file: string }[] {
  const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "list", "tests/pty/", "--json"], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`vitest list failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { name: string; file: string }[]).map((t) => ({
    file: relative(process.cwd(), t.file),
    fault: (t.name.split(" > ").at(-1) ?? "").split(": ")[0] ?? "",
  }));
}

it("README's fault table has a row for every PTY fault test, and every row a test", () => {
  const rows = faultTableRows(readFileSync("README.md", "utf8"));
  const tests = ptyTests();
  const key = (x: { fault: string; file: string }) => `${x.file} › ${x.fault}`;
  expect(tests.length).toBeGreaterThan(0);
  const rowKeys = new Set(rows.map(key));
  const testKeys = new Set(tests.map(key));
  expect(
    rows.map(key).filter((k) => !testKeys.has(k)),
    "README rows without a test",
  ).toEqual([]);
  expect(
    tests.map(key).filter((k) => !rowKeys.has(k)),
    "PTY tests without a README row",
  ).toEqual([]);
  expect(rowKeys.size, "README rows naming the same fault twice").toBe(rows.length);
}, 120_000);
