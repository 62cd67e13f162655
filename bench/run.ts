// `npm run bench`: runs every bench/<name>.ts that exports `bench()`, or only those named on the command line.
import { readdirSync } from "node:fs";

const only = process.argv.slice(2);
const files = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.includes(".child."))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, "")))
  .sort();
for (const f of files) {
  const mod = (await import(`./${f}`)) as { bench?: () => Promise<void> };
  if (!mod.bench) continue;
  process.stdout.write(`\n== ${f.replace(/\.ts$/, "")} ==\n`);
  await mod.bench();
}
