// The session row's reference (bench/session.child.ts, bench/floor.child.ts): the virtual mouse alone, in no
// world (no stimulus, no light), one frame at a time: what a session's eye samples cost before any device,
// driver, engine or disk touches them.
import { drawMouse, MouseParameters } from "../mocks/mouse-parameters.ts";
import { VirtualMouse } from "../mocks/virtual-mouse.ts";
import { Random } from "../src/core/random.ts";

/** The bench's mouse (seed 1) filmed at `rateHz`. */
export function benchMouse(rateHz: number): VirtualMouse {
  const params = MouseParameters.parse({ sampleRateHz: rateHz });
  const random = new Random(1);
  return new VirtualMouse(
    drawMouse(params, random, [], []),
    params,
    { stimulus: () => null, litWavelengthsNm: () => [] },
    random,
  );
}

/** Its eye positions for `sessionS` seconds at `rateHz`, summed (so none can be skipped), degrees. */
export function mouseAlone(sessionS: number, rateHz: number): number {
  const mouse = benchMouse(rateHz);
  const frames = Math.floor(sessionS * rateHz) + 1;
  let sum = 0;
  for (let k = 0; k < frames; k++) sum += mouse.sample(k / rateHz) || 0;
  return sum;
}
