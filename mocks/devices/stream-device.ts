// Puts a device written as a Node stream (e.g. the fake StandardFirmata board) behind a simulated port.
import type { Duplex } from "node:stream";
import type { SimulatedSerialDevice } from "../serial-binding.ts";

export function streamDevice(board: Duplex): SimulatedSerialDevice {
  let send: ((b: Uint8Array) => void) | undefined;
  board.on("data", (b: Buffer) => send?.(b));
  return {
    receive: (bytes) => board.write(Buffer.from(bytes)),
    attach: (s) => {
      send = s;
    },
    detach: () => {
      send = undefined;
    },
  };
}
