// Imports only look down (tests/layers.ts): the real tree, a check that can fail, and the README's account.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { folderOf, LAYERS, layerViolations, projectImports } from "./layers.ts";

describe("the layers", () => {
  const imports = projectImports(process.cwd());

  it("hold for every import between folders of src/, devices/ and mocks/", () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(layerViolations(imports)).toEqual([]);
  });

  it("put the bottom layer on nothing of the project, and devices on the bottom layer only", () => {
    const bottom = new Set(LAYERS[0]?.folders);
    for (const { from, to } of imports) {
      const a = folderOf(from);
      const b = folderOf(to);
      if (a === null || b === null || a === b) continue;
      if (bottom.has(a)) expect.fail(`${from} imports ${to}`);
      if (a === "devices") expect(bottom.has(b), `${from} imports ${to}`).toBe(true);
    }
  });

  it("are reported when broken: an upward import, an import beside, an unknown folder", () => {
    const problems = layerViolations([
      { from: "devices/wire.ts", to: "src/engine/session.ts" },
      { from: "src/replay/replay.ts", to: "src/cohort/cohort.ts" },
      { from: "src/newthing/x.ts", to: "src/core/clock.ts" },
      { from: "src/engine/session.ts", to: "src/core/clock.ts" },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^devices\/wire\.ts imports src\/engine\/session\.ts: .* above it/),
      expect.stringMatching(/^src\/replay\/replay\.ts imports src\/cohort\/cohort\.ts: .* beside it/),
      expect.stringMatching(/folder src\/newthing is in no layer/),
    ]);
  });

  it("are the ones the README's Architecture section lists, bottom first", () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Architecture"), readme.indexOf("## Development"));
    const listed = [...section.matchAll(/^\s*(\d+)\. ((?:`[^`]+`(?:, )?)+)/gm)].map((m) =>
      [...(m[2] as string).matchAll(/`([^`]+?)\/?`/g)].map((f) => f[1]),
    );
    expect(listed).toEqual(LAYERS.map((l) => [...l.folders]));
  });
});
