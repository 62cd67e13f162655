// Browser scripts are TypeScript modules (`*.browser.ts`) that share code with the host (codecs, geometry);
// esbuild bundles one into a single script when a server first serves it.
import { build } from "esbuild";

const bundles = new Map<string, Promise<string>>();

export function browserBundle(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "iife",
      target: "chrome110",
      minify: true,
      legalComments: "none",
      logLevel: "silent",
    }).then((r) => r.outputFiles[0]?.text ?? "");
    bundles.set(entry, bundle);
  }
  return bundle;
}

/** Text safe inside a <script type="application/json"> element. */
export const jsonForHtml = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");
