// A stand-in for an Arduino Uno running StandardFirmata 2.5, as the host side of a stream: it answers the
// handshake firmata-io performs (version, firmware name, capabilities, analog mapping) and reports the pin
// writes it receives. For tests and the bench; a real rig uses a SerialPort instead.
import { Duplex } from "node:stream";

const REPORT_VERSION = 0xf9;
const START_SYSEX = 0xf0;
const END_SYSEX = 0xf7;
const QUERY_FIRMWARE = 0x79;
const CAPABILITY_QUERY = 0x6b;
const CAPABILITY_RESPONSE = 0x6c;
const ANALOG_MAPPING_QUERY = 0x69;
const ANALOG_MAPPING_RESPONSE = 0x6a;
const ANALOG_MESSAGE = 0xe0;
const EXTENDED_ANALOG = 0x6f;
/** Command bytes followed by two data bytes (digital port, pin mode, analog write). */
const THREE_BYTE = (b: number) => (b & 0xf0) === 0x90 || b === 0xf4 || (b & 0xf0) === ANALOG_MESSAGE;
const TWO_BYTE = (b: number) => (b & 0xf0) === 0xc0 || (b & 0xf0) === 0xd0;

/** Firmata pin modes with their resolution bits, as StandardFirmata reports them for an Uno. */
const MODE = { INPUT: [0, 1], OUTPUT: [1, 1], ANALOG: [2, 10], PWM: [3, 8], SERVO: [4, 14], PULLUP: [11, 1] };
const UNO_PINS = 20;
const UNO_PWM = [3, 5, 6, 9, 10, 11];
const UNO_FIRST_ANALOG = 14;

const sevenBitPairs = (s: string) => [...Buffer.from(s)].flatMap((b) => [b & 0x7f, b >> 7]);

function unoCapabilities(): number[] {
  const pins: number[] = [];
  for (let pin = 0; pin < UNO_PINS; pin++) {
    // Pins 0 and 1 are the serial link itself.
    if (pin >= 2) {
      const modes = [MODE.INPUT, MODE.OUTPUT, MODE.PULLUP, MODE.SERVO];
      if (UNO_PWM.includes(pin)) modes.push(MODE.PWM);
      if (pin >= UNO_FIRST_ANALOG) modes.push(MODE.ANALOG);
      pins.push(...modes.flat());
    }
    pins.push(0x7f);
  }
  return pins;
}

export interface FakeStandardFirmataOptions {
  /** Like an Uno whose port open resets it: report version and firmware unsolicited after this many ms. */
  bootMs?: number;
  /** Called synchronously as each analog (PWM/servo) write arrives. */
  onAnalogWrite?: (pin: number, value: number) => void;
}

/** The host's end of the link to the fake board. `destroy()` is an unplug; `destroy(err)` an I/O error. */
export function fakeStandardFirmata(options: FakeStandardFirmataOptions = {}): Duplex {
  let pending: number[] = [];
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      for (const b of chunk) receive(b);
      done();
    },
  });
  const send = (bytes: number[]) => stream.push(Buffer.from(bytes));
  const reportVersion = () => send([REPORT_VERSION, 2, 5]);
  const reportFirmware = () =>
    send([START_SYSEX, QUERY_FIRMWARE, 2, 5, ...sevenBitPairs("StandardFirmata.ino"), END_SYSEX]);

  function receive(b: number) {
    if (pending.length === 0 && b === REPORT_VERSION) return reportVersion();
    pending.push(b);
    const [first, second] = pending as [number, number?];
    if (first === START_SYSEX) {
      if (b !== END_SYSEX) return;
      if (second === QUERY_FIRMWARE) reportFirmware();
      else if (second === CAPABILITY_QUERY)
        send([START_SYSEX, CAPABILITY_RESPONSE, ...unoCapabilities(), END_SYSEX]);
      else if (second === ANALOG_MAPPING_QUERY)
        send([
          START_SYSEX,
          ANALOG_MAPPING_RESPONSE,
          ...Array.from({ length: UNO_PINS }, (_, pin) =>
            pin >= UNO_FIRST_ANALOG ? pin - UNO_FIRST_ANALOG : 0x7f,
          ),
          END_SYSEX,
        ]);
      else if (second === EXTENDED_ANALOG) {
        const [, , pin = 0, ...value] = pending.slice(0, -1);
        options.onAnalogWrite?.(
          pin,
          value.reduce((v, byte, i) => v | (byte << (7 * i)), 0),
        );
      }
    } else if (THREE_BYTE(first)) {
      if (pending.length < 3) return;
      if ((first & 0xf0) === ANALOG_MESSAGE)
        options.onAnalogWrite?.(first & 0x0f, (pending[1] as number) | ((pending[2] as number) << 7));
    } else if (TWO_BYTE(first) && pending.length < 2) return;
    pending = [];
  }

  if (options.bootMs !== undefined) {
    const boot = setTimeout(() => {
      reportVersion();
      reportFirmware();
    }, options.bootMs);
    stream.once("close", () => clearTimeout(boot));
  }
  return stream;
}
