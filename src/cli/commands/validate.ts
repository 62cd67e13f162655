// `hokr validate FILE`: checks a protocol (or rig configuration) and prints its timeline, or every problem.
import type { Command } from "commander";
import { parseWithSchema, readJsonFile, readJsonText } from "../../config/json-file.ts";
import { RigConfig, SIMULATED_RIG } from "../../config/rig-config.ts";
import { checkProtocol, type LoadedProtocol } from "../../protocol/load.ts";
import { Protocol } from "../../protocol/schema.ts";
import { dutyCycle } from "../../protocol/timeline.ts";
import { guarded } from "../errors.ts";
import { clock, table } from "../format.ts";

export function describePattern(p: Protocol["light"][number]["pattern"]): string {
  if (p.kind === "continuous") return "continuous";
  const trains =
    p.trainDurationS === undefined
      ? ""
      : `, trains of ${p.trainDurationS} s every ${p.trainDurationS + p.interTrainIntervalS} s`;
  return `pulses ${p.pulseWidthMs} ms every ${p.periodMs} ms${trains} (duty ${dutyCycle(p).toFixed(2)})`;
}

export function timelineSummary(loaded: LoadedProtocol): string {
  const { timeline: t, protocol } = loaded;
  const phases = t.phases.map((p) => {
    const s = p.stimulus;
    const cycles = s ? Math.floor((p.endS - p.startS) * s.frequencyHz + 1e-6) : 0;
    return [
      p.name,
      clock(p.startS),
      clock(p.endS),
      s
        ? `${s.kind} ${s.amplitudeDeg}° ${s.frequencyHz} Hz; ${cycles} cycles → ${Math.floor(cycles / p.cyclesPerBlock)} blocks of ${p.cyclesPerBlock}`
        : "stimulus off",
    ];
  });
  const light = t.light.map((l) => [
    l.channel,
    `${l.opsin} ${l.wavelengthNm} nm ${l.powerMw} mW`,
    `${l.phase} ${clock(l.startS)}–${clock(l.endS)}`,
    describePattern(l.pattern),
  ]);
  return [
    `ok  ${loaded.file}: '${protocol.name}', sha256 ${loaded.hash.slice(0, 12)}…, total ${clock(t.durationS)}`,
    table([["phase", "start", "end", "stimulus"], ...phases]),
    light.length > 0 ? table([["light", "opsin", "window", "pattern"], ...light]) : "no light",
  ].join("\n");
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "check a protocol or rig configuration file; prints the timeline, or every problem with its place and fix",
    )
    .argument("<file>", "protocol (.json with `phases`) or rig configuration (.json with `light` channels)")
    .option(
      "--rig <file>",
      "rig configuration whose light limits the protocol must respect (default: the simulated rig)",
    )
    .action(
      guarded((file: string, opts: { rig?: string }) => {
        const value = readJsonText(file);
        const isRig = typeof value === "object" && value !== null && !("phases" in value) && "light" in value;
        if (isRig) {
          const rig = parseWithSchema(file, value, RigConfig);
          process.stdout.write(
            `ok  ${file}: rig '${rig.name}', channels ${rig.light.map((c) => `${c.name} ${c.wavelengthNm} nm`).join(", ")}\n`,
          );
          return;
        }
        const rig = opts.rig ? readJsonFile(opts.rig, RigConfig) : SIMULATED_RIG;
        process.stdout.write(
          `${timelineSummary(checkProtocol(file, parseWithSchema(file, value, Protocol), rig))}\n`,
        );
      }),
    );
}
