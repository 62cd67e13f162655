// The drum as a hobby servo on a StandardFirmata board. StandardFirmata cannot generate a sinusoid, so the
// host does: at each update (absolute deadlines on the session clock, default 50 Hz, the servo's own frame
// rate) it computes the position and writes the servo angle
//
//   angle (servo °) = centreDeg + degreesPerStimulusDegree · A · sin(2π f (t − t0)),   t in s.
//
// `samples$` reports that commanded position (stimulus degrees) with the session time it was written at;
// `hostMs` is that same time and `deviceUs` is it in µs (Firmata has no device clock). johnny-five truncates the pulse to
// whole µs: 0.1 servo degree with the default 600–2400 µs over 180°.
//
// A stepper-driven drum is not supported on StandardFirmata: johnny-five's Stepper needs firmware with the
// STEPPER (or AccelStepper) feature, e.g. ConfigurableFirmata; use the line-protocol drum controller then.
import five from "johnny-five";
import { Subject, type Subscription } from "rxjs";
import type { z } from "zod";
import { type SessionClock, scheduleTicks } from "../../src/core/clock.ts";
import { batchOf, onMicrosecondGrid, onPositionGrid, type SampleBatch } from "../../src/core/samples.ts";
import type { FirmataIo } from "../firmata-board/board.ts";
import type { StimulusMotion, VisualStimulus } from "../rig.ts";
import { FirmataServoConfig } from "./servo-config.ts";

/** johnny-five's Servo takes `pwmRange`, which @types/johnny-five 2.1 does not list. */
type ServoOptions = five.ServoGeneralOption & { pwmRange?: [number, number] };

export class FirmataStimulus implements VisualStimulus {
  private readonly config: z.output<typeof FirmataServoConfig>;
  private readonly servo: five.Servo;
  private ticks: Subscription | undefined;
  private readonly samples = new Subject<SampleBatch>();
  readonly samples$ = this.samples.asObservable();
  private readonly stops = new Subject<number>();
  readonly stopped$ = this.stops.asObservable();

  /** `board` must be ready. The servo moves to `centreDeg` at once. */
  constructor(
    board: five.Board,
    private readonly clock: SessionClock,
    config: FirmataServoConfig,
  ) {
    const c = FirmataServoConfig.parse(config);
    const io = board.io as FirmataIo;
    if (!io.pins[c.pin]?.supportedModes.includes(io.MODES.SERVO as number))
      throw new Error(
        `drum servo: pin ${c.pin} cannot drive a servo on this board (StandardFirmata: pins 2–19)`,
      );
    this.config = c;
    const options: ServoOptions = {
      pin: c.pin,
      board,
      range: c.range,
      pwmRange: c.pwmRangeUs,
      startAt: c.centreDeg,
    };
    this.servo = new five.Servo(options);
  }

  /**
   * Starts the sinusoid now at position 0, moving rightward. Throws, before the servo moves, if the
   * amplitude needs servo angles outside `range`.
   */
  start(settings: StimulusMotion): void {
    const { centreDeg, degreesPerStimulusDegree: scale, range, updateRateHz } = this.config;
    const swing = Math.abs(scale) * settings.amplitudeDeg;
    if (centreDeg - swing < range[0] || centreDeg + swing > range[1])
      throw new RangeError(
        `drum servo: ±${settings.amplitudeDeg}° needs servo angles ${centreDeg - swing}–${centreDeg + swing}°, ` +
          `outside its range ${range[0]}–${range[1]}°`,
      );
    this.stop();
    const t0Ms = this.clock.now();
    const omega = (2 * Math.PI * settings.frequencyHz) / 1000; // rad/ms
    const update = () => {
      // Position for the moment of writing, so each sample's time and position belong together.
      const tMs = this.clock.now();
      const positionDeg = settings.amplitudeDeg * Math.sin(omega * (tMs - t0Ms));
      this.servo.to(centreDeg + scale * positionDeg);
      const t = onMicrosecondGrid(tMs);
      // One sample per servo update: each is its own batch, as it happens.
      this.samples.next(batchOf([{ tMs: t, deg: onPositionGrid(positionDeg) }]));
    };
    update();
    const periodMs = 1000 / updateRateHz;
    this.ticks = scheduleTicks(this.clock, t0Ms + periodMs, periodMs, update);
  }

  /** Stops updating; the servo holds its last position. */
  stop(): void {
    if (this.ticks) this.stops.next(this.clock.now());
    this.ticks?.unsubscribe();
    this.ticks = undefined;
  }
}
