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
      readonly firmware: { name?: string; version?: { major: number; minor: number } };
      /** The pending unsolicited-version timer (cleared here when a connection attempt is abandoned). */
      reportVersionTimeoutId: NodeJS.Timeout | undefined;
    }
  }
  /** The module is a function that binds a default transport class; the Firmata class hangs off it. */
  function bindTransport(transport: unknown): typeof bindTransport.Firmata;
  export = bindTransport;
}
