// firmata-io 2.3 ships no types: only what hokr uses.
declare module "firmata-io" {
  import { EventEmitter } from "node:events";
  import type { Duplex } from "node:stream";

  namespace bindTransport {
    interface FirmataOptions {
      /** ms to wait for the board's unsolicited version report before asking for it (default 5000). */
      reportVersionTimeout?: number;
      skipCapabilities?: boolean;
    }
    class Firmata extends EventEmitter {
      constructor(transport: Duplex, options?: FirmataOptions);
      readonly isReady: boolean;
      readonly MODES: Record<string, number>;
      readonly pins: ReadonlyArray<{ supportedModes: readonly number[] }>;
      /** Whether the board's version report has arrived. */
      readonly versionReceived: boolean;
      reportVersion(callback: () => void): void;
      queryFirmware(callback: () => void): void;
      readonly firmware: { name?: string; version?: { major: number; minor: number } };
      /** firmata-io's wall-clock timer for asking for the version (cleared: hokr asks on the session clock). */
      reportVersionTimeoutId: NodeJS.Timeout | undefined;
    }
  }
  /** The module is a function that binds a default transport class; the Firmata class hangs off it. */
  function bindTransport(transport: unknown): typeof bindTransport.Firmata;
  export = bindTransport;
}
