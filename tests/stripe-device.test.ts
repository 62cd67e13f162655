// The stripe page's device logic without a browser: protocol replies, the sinusoid at each frame's display
// time, dropped-frame counting and the photodiode patch.
import { describe, expect, it } from "vitest";
import { STRIPE_PAGE_PATH } from "../devices/stripe-display/page-binding.ts";
import { pixelsPerDegree } from "../devices/stripe-display/screen.ts";
import { gratingRow, parseFrameCounts, StripeDevice } from "../devices/stripe-display/stripe-device.ts";
import { RigConfig } from "../src/config/rig-config.ts";

describe("stripe display device logic", () => {
  it("answers the hokr-stripe commands and refuses what the protocol refuses", () => {
    let now = 1000;
    const d = new StripeDevice(() => now);
    expect(d.command("@1 HELLO")).toBe("@1 OK 1000000 hokr-stripe 1 45");
    expect(d.command("@2 SF 0.2")).toBe("@2 OK 1000000");
    expect(d.cyclesPerDeg).toBe(0.2);
    expect(d.command("@3 SINE 60 1")).toMatch(/^@3 ERR 2 /);
    expect(d.command("@4 SINE 10 9")).toMatch(/^@4 ERR 2 /);
    expect(d.command("@5 SPIN")).toMatch(/^@5 ERR 1 /);
    now = 2000;
    expect(d.command("@6 SINE 10 1")).toBe("@6 OK 2000000");
  });

  it("evaluates the sinusoid at each frame's display time and toggles the patch at cycle starts", () => {
    let now = 0;
    const d = new StripeDevice(() => now);
    d.command("@1 SINE 10 1"); // position 0 at t = 0, 1 Hz
    const frames = [];
    for (let k = 0; k < 130; k++) {
      now = k * 16;
      frames.push(d.frame(now));
    }
    for (const f of frames.slice(20)) {
      const expected = 10 * Math.sin((2 * Math.PI * f.displayMs) / 1000);
      expect(f.positionDeg).toBeCloseTo(expected, 9);
      expect(f.displayMs).toBeCloseTo(f.frame * 16 + 16, 9);
      expect(f.patchOn).toBe(Math.floor(f.displayMs / 1000) % 2 === 0);
    }
    expect(d.report(frames[100] as (typeof frames)[number])).toMatch(/^P 1616000 -?\d+\.\d{4}$/);
    expect(d.dropped).toBe(0);
    const lastMoving = d.frame(130 * 16 + 3 * 16); // three frames skipped
    expect(d.dropped).toBe(3);
    expect(parseFrameCounts(d.frameCounts().split(" ").slice(2).join(" "))).toEqual({
      frames: 131,
      dropped: 3,
    });
    d.command("@2 STOP");
    // Stopped: the pattern holds where the last frame put it.
    for (const held of [d.frame(135 * 16), d.frame(136 * 16)]) {
      expect(held.moving).toBe(false);
      expect(held.positionDeg).toBe(lastMoving.positionDeg);
      expect(held.patchOn).toBe(false);
    }
  });

  it("draws stripes of the configured period, shifted right by the position", () => {
    const row = new Uint8ClampedArray(4 * 200);
    gratingRow(row, 200, 40, 0, "square", 1);
    const light = (x: number) => (row[4 * x] as number) > 128;
    // cos(2π(x + 0.5 − 100)/40) ≥ 0 around the centre: light at 100, dark 20 px away, light again 40 px away.
    expect([light(100), light(120), light(140)]).toEqual([true, false, true]);
    gratingRow(row, 200, 40, 20, "square", 1);
    expect([light(100), light(120)]).toEqual([false, true]);
    expect(pixelsPerDegree({ viewingDistanceCm: 57.29, widthCm: 10, widthPx: 100 })).toBeCloseTo(10, 2);
  });

  it("a rig's stripe page needs its screen geometry", () => {
    const r = RigConfig.safeParse({
      devices: {
        light: { port: { path: "/dev/ttyACM0" } },
        stimulus: { kind: "stripe", port: { path: STRIPE_PAGE_PATH } },
        eyeTracker: { port: { path: "/dev/ttyACM1" } },
      },
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/screen/);
  });
});
