// `hokr schema protocol|rig`: the JSON Schema of a file format, generated from its zod schema, for editors
// (protocols/protocol.schema.json is this output, referenced by the shipped protocols' `$schema`).
import type { Command } from "commander";
import { z } from "zod";
import { RigConfig } from "../../config/rig-config.ts";
import { Protocol } from "../../protocol/schema.ts";
import { guarded, UsageError } from "../errors.ts";

export const SCHEMAS = { protocol: Protocol, rig: RigConfig } as const;

export const jsonSchemaText = (name: keyof typeof SCHEMAS): string =>
  `${JSON.stringify(z.toJSONSchema(SCHEMAS[name], { io: "input" }), null, 2)}\n`;

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("print the JSON Schema of a file format (for editor completion and checking)")
    .argument("<format>", `one of: ${Object.keys(SCHEMAS).join(", ")}`)
    .action(
      guarded((format: string) => {
        if (!(format in SCHEMAS))
          throw new UsageError(`unknown format '${format}'; use one of: ${Object.keys(SCHEMAS).join(", ")}`);
        process.stdout.write(jsonSchemaText(format as keyof typeof SCHEMAS));
      }),
    );
}
