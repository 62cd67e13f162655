// An Arduino Uno on avr8js: an ATmega328P running a compiled flash image with Timer0/1/2, USART0, GPIO ports
// B/C/D, the system clock and the hardware watchdog. Time is CPU cycles (16 MHz: 1 cycle = 62.5 ns); nothing
// here depends on the wall clock, so a test that runs N cycles sees the same behaviour on any machine.
//
// avr8js's own CPU.reset() only rewinds the program counter and leaves every I/O register (and every timer's
// hold on a pin) as it was; a real reset returns all registers to their defaults and all pins to inputs. So a
// reset here (external, power-on, brown-out, or the hardware watchdog firing) builds a fresh chip around the
// same flash, with the cycle count carried on and the reset cause in MCUSR.
import {
  AVRClock,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  AVRWatchdog,
  avrInstruction,
  CPU,
  clockConfig,
  PinState,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
  watchdogConfig,
} from "avr8js";

/**
 * The instruction step, held in a plain constant: vitest rewrites an imported name into a property of the
 * module's namespace at every use, which in this loop of ~10⁸ calls costs half the emulator's speed.
 */
const execute = avrInstruction;

export const CLOCK_HZ = 16_000_000;
const FLASH_BYTES = 32 * 1024;
const SRAM_BYTES = 2048;
const MCUSR = 0x54;
const UCSR0B_RXEN = 0x10;
const UCSR0A_RXC = 0x80;

export type ResetCause = "power-on" | "external" | "brown-out" | "watchdog";
const MCUSR_FLAG: Record<ResetCause, number> = { "power-on": 1, external: 2, "brown-out": 4, watchdog: 8 };

/** A level change on an Arduino pin (0–13 = D0–D13, 14–19 = A0–A5), at a CPU cycle. */
export interface PinEdge {
  pin: number;
  cycle: number;
  high: boolean;
}

const portOf = (pin: number): { port: "B" | "C" | "D"; bit: number } => {
  if (!Number.isInteger(pin) || pin < 0 || pin > 19) throw new RangeError(`no Arduino Uno pin ${pin}`);
  if (pin < 8) return { port: "D", bit: pin };
  if (pin < 14) return { port: "B", bit: pin - 8 };
  return { port: "C", bit: pin - 14 };
};

interface Chip {
  cpu: CPU;
  usart: AVRUSART;
  ports: Record<"B" | "C" | "D", AVRIOPort>;
}

export class SimulatedUno {
  private chip!: Chip;
  private pendingReset: ResetCause | null = null;
  private readonly rxQueue: number[] = [];
  private rxInFlight: number | null = null;
  private readonly rxListeners = new Set<(byte: number, cycle: number) => void>();
  private readonly txListeners = new Set<(byte: number, cycle: number) => void>();
  private readonly watched = new Map<number, { high: boolean; listeners: Set<(e: PinEdge) => void> }>();
  private readonly resetListeners = new Set<(cause: ResetCause, cycle: number) => void>();

  constructor(private readonly flash: Uint8Array) {
    if (flash.length > FLASH_BYTES)
      throw new RangeError(`image of ${flash.length} bytes exceeds 32 KiB flash`);
    this.build("power-on", 0);
  }

  /** CPU cycles since the first power-on. */
  get cycles(): number {
    return this.chip.cpu.cycles;
  }

  /** Runs the CPU for `cycles` more cycles (to the instruction boundary at or just after). */
  run(cycles: number): void {
    this.runUntil(this.chip.cpu.cycles + cycles);
  }

  runUntil(cycle: number): void {
    let { cpu } = this.chip;
    while (cpu.cycles < cycle) {
      execute(cpu);
      cpu.tick();
      if (this.pendingReset) {
        this.build(this.pendingReset, cpu.cycles);
        cpu = this.chip.cpu;
      }
    }
  }

  /** Runs until `predicate` holds (checked every `stepCycles`), at most `maxCycles`; returns whether it held. */
  runUntilTrue(predicate: () => boolean, maxCycles: number, stepCycles = 1600): boolean {
    const end = this.cycles + maxCycles;
    while (!predicate()) {
      if (this.cycles >= end) return false;
      this.runUntil(Math.min(end, this.cycles + stepCycles));
    }
    return true;
  }

  /** Host → device bytes: clocked into USART0 back to back at its baud rate once the firmware enables RX. */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    this.rxQueue.push(...bytes);
    this.pumpRx();
  }

  /** Host → device bytes as each lands in the UART's receive register (its stop bit received). */
  onReceive(listener: (byte: number, cycle: number) => void): () => void {
    this.rxListeners.add(listener);
    return () => this.rxListeners.delete(listener);
  }

  /**
   * Fault injection: the program runs away. Every flash word becomes a jump to itself (ISRs included), as if
   * the firmware hung; the timers keep running. The flash image comes back at the next reset.
   */
  hang(): void {
    this.chip.cpu.progMem.fill(0xcfff); // rjmp .-2
  }

  /** Device → host bytes, each with the cycle at which its stop bit ends. Returns an unsubscribe function. */
  onTransmit(listener: (byte: number, cycle: number) => void): () => void {
    this.txListeners.add(listener);
    return () => this.txListeners.delete(listener);
  }

  /** Cycles one UART character (start + 8 data + stop bits) takes at the firmware's present baud rate. */
  get cyclesPerChar(): number {
    return Math.round((CLOCK_HZ / this.chip.usart.baudRate) * 10);
  }

  /**
   * Watches a pin's level: high when driven high (or pulled up); low when driven low or floating (the rig has
   * a pull-down on every output). Listeners see each change with its cycle.
   */
  watchPin(pin: number, listener: (e: PinEdge) => void): () => void {
    let w = this.watched.get(pin);
    if (!w) {
      w = { high: this.pinHigh(pin), listeners: new Set() };
      this.watched.set(pin, w);
    }
    w.listeners.add(listener);
    return () => w.listeners.delete(listener);
  }

  /** Every edge of the given pins from now on, in order. */
  recordPins(pins: readonly number[]): PinEdge[] {
    const edges: PinEdge[] = [];
    for (const p of pins) this.watchPin(p, (e) => edges.push(e));
    return edges;
  }

  pinHigh(pin: number): boolean {
    const { port, bit } = portOf(pin);
    const state = this.chip.ports[port].pinState(bit);
    return state === PinState.High || state === PinState.InputPullUp;
  }

  /** Whether the pin is an output (the firmware drives it), as opposed to floating. */
  pinDriven(pin: number): boolean {
    const { port, bit } = portOf(pin);
    const state = this.chip.ports[port].pinState(bit);
    return state === PinState.High || state === PinState.Low;
  }

  onReset(listener: (cause: ResetCause, cycle: number) => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  /**
   * Resets the chip now. A brown-out holds it in reset (pins floating) for `holdCycles` while the supply is
   * low, then it restarts; bytes in flight on the serial line are lost.
   */
  reset(cause: ResetCause, holdCycles = 0): void {
    this.build(cause, this.cycles);
    // Held in reset: the fresh chip starts executing only after the hold.
    this.chip.cpu.cycles += holdCycles;
  }

  private build(cause: ResetCause, cycle: number): void {
    this.pendingReset = null;
    this.rxQueue.length = 0;
    this.rxInFlight = null;
    const progMem = new Uint16Array(FLASH_BYTES / 2);
    new Uint8Array(progMem.buffer).set(this.flash);
    const cpu = new CPU(progMem, SRAM_BYTES);
    cpu.cycles = cycle;
    // avr8js's hardware watchdog calls cpu.reset() when it fires: make that a full chip reset.
    cpu.reset = () => {
      this.pendingReset = "watchdog";
    };
    const clock = new AVRClock(cpu, CLOCK_HZ, clockConfig);
    new AVRWatchdog(cpu, watchdogConfig, clock);
    for (const config of [timer0Config, timer1Config, timer2Config]) new AVRTimer(cpu, config);
    const usart = new AVRUSART(cpu, usart0Config, CLOCK_HZ);
    const ports = {
      B: new AVRIOPort(cpu, portBConfig),
      C: new AVRIOPort(cpu, portCConfig),
      D: new AVRIOPort(cpu, portDConfig),
    };
    cpu.data[MCUSR] = MCUSR_FLAG[cause];
    usart.onByteTransmit = (byte) => {
      const done = cpu.cycles + this.cyclesPerChar;
      for (const l of this.txListeners) l(byte, done);
    };
    keepReceiveInterrupt(cpu);
    usart.onRxComplete = () => {
      const byte = this.rxInFlight;
      this.rxInFlight = null;
      if (byte !== null) for (const l of this.rxListeners) l(byte, cpu.cycles);
      this.pumpRx();
    };
    usart.onConfigurationChange = () => this.pumpRx();
    for (const [name, port] of Object.entries(ports))
      port.addListener(() => this.portChanged(name, cpu.cycles));
    this.chip = { cpu, usart, ports };
    // The new chip's pins float: report the old levels falling.
    this.portChanged(null, cycle);
    for (const l of this.resetListeners) l(cause, cycle);
  }

  private portChanged(port: string | null, cycle: number): void {
    for (const [pin, w] of this.watched) {
      if (port !== null && portOf(pin).port !== port) continue;
      const high = this.pinHigh(pin);
      if (high === w.high) continue;
      w.high = high;
      for (const l of w.listeners) l({ pin, cycle, high });
    }
  }

  private pumpRx(): void {
    const { usart } = this.chip;
    if (this.rxQueue.length === 0 || usart.rxBusy || !usart.rxEnable) return;
    this.rxInFlight = this.rxQueue.shift() as number;
    usart.writeByte(this.rxInFlight);
  }
}

/**
 * avr8js 0.21.1 drops the receive-complete interrupt (and the RXC flag) on every write to UCSR0B while the
 * receiver is on, although on the chip only reading UDR0 clears it. The Arduino core writes UCSR0B for each
 * byte it transmits, so received bytes were overwritten unread whenever the firmware was sending. Restores
 * the pending interrupt after such a write. It also clears RXC on every write to UCSR0A (which the Arduino
 * core makes for each byte it sends, to clear TXC), although RXC is read-only: a byte that arrived just before
 * (in the core's atomic section) then lost its interrupt at the UCSR0B write that follows, and the next byte
 * overwrote it (a TRAIN arriving while edge reports went out lost a digit). Keeps RXC across such writes.
 */
function keepReceiveInterrupt(cpu: CPU): void {
  const { UCSRA, UCSRB, rxCompleteInterrupt } = usart0Config;
  const rxc: Parameters<CPU["setInterruptFlag"]>[0] = {
    address: rxCompleteInterrupt,
    flagRegister: UCSRA,
    flagMask: UCSR0A_RXC,
    enableRegister: UCSRB,
    enableMask: 0x80,
    constant: true,
  };
  const write = cpu.writeHooks[UCSRB];
  const writeA = cpu.writeHooks[UCSRA];
  if (!write || !writeA) throw new Error("AVRUSART must be attached first");
  cpu.writeHooks[UCSRA] = (value, oldValue, addr, mask) => {
    const unread = (cpu.data[UCSRA] ?? 0) & UCSR0A_RXC;
    const handled = writeA(value, oldValue, addr, mask);
    cpu.data[UCSRA] = (cpu.data[UCSRA] ?? 0) | unread;
    return handled;
  };
  cpu.writeHooks[UCSRB] = (value, oldValue, addr, mask) => {
    const unread = (cpu.data[UCSRA] ?? 0) & UCSR0A_RXC;
    const handled = write(value, oldValue, addr, mask);
    if (unread && value & UCSR0B_RXEN) cpu.setInterruptFlag(rxc);
    return handled;
  };
}
