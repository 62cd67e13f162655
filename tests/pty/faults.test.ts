// Device faults over real PTYs, one test per fault class, judged from the devices' own logs and the recorded
// folder: unplugs, lines a device should never send, device resets, clock jumps and the 32-bit wrap, and a
// reconnect to a device with a new clock.
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { UINT32 } from "../../devices/wire.ts";
import { monotonicMs } from "../../mocks/pty/device-clock.ts";
import { EXIT_CODES } from "../../src/core/faults.ts";
import { type Device, describePty, type LogRecord } from "./harness.ts";
import { lightChanges, lightsOffMs, type Recorded, switchedOnAfterStop } from "./judge.ts";
import {
  COMMANDED_OFF_MS,
  conclude,
  expectCompleted,
  eyeLoss,
  lightOnFor,
  misplaced,
  type Outcome,
  PTY_TEST_TIMEOUT_MS,
  protocolEndAt,
  protocolSpan,
  reportFiguresAfterAll,
  SHORT_PTY_PROTOCOL,
  scenario,
} from "./scenario.ts";

reportFiguresAfterAll();

/** session.json's name for each device. */
const RECORDED_AS: Record<Device, string> = { light: "light", drum: "stimulus", eye: "eyeTracker" };

/** Eye and drum rows the host placed away from when the device says they happened. */
function misplacedRows(o: Outcome): { eye: Recorded["eye"]; stimulus: Recorded["eye"] } {
  const zero = protocolSpan(o.logs, o.recorded).from;
  return {
    eye: misplaced(o.logs.eye, o.recorded.eye, zero),
    stimulus: misplaced(o.logs.drum, o.recorded.stimulus, zero),
  };
}

/** The clock fit's count of rejected observations for a device (the field's name is the engine's to choose). */
function clockRejections(o: Outcome, device: Device): number {
  const fit = o.recorded.meta.devices?.[RECORDED_AS[device]]?.clock ?? {};
  const [, n] = Object.entries(fit).find(([k]) => /reject|outlier/i.test(k)) ?? [];
  return typeof n === "number" ? n : 0;
}

/** The lines a device process injected (its own log's record of them). */
const injected = (log: readonly LogRecord[]) => log.filter((r) => r.kind === "fault-tx").map((r) => r.text);

describePty.concurrent("unplugging a device over real PTYs", () => {
  const watchdogMs = 1000;
  for (const device of ["light", "drum", "eye"] as const)
    it(
      `unplug of the ${device}: light out, session failed with a message naming the port, exit 1`,
      () =>
        scenario({ name: `unplug-${device}`, rig: { rig: { watchdogMs } } }, async (s) => {
          await lightOnFor(s, 1000);
          const at = monotonicMs();
          await s.rig.unplug(device);
          // Bytes in socat's buffers when the plug is pulled are gone, as in a USB unplug.
          const o = await conclude(s, `unplug ${device}`, at, {
            lossCutoff: at - 200,
            settleMs: device === "light" ? watchdogMs + 1000 : 500,
          });
          // The light controller cannot be told once its own cable is out: its watchdog puts the light out.
          expect(lightsOffMs(o.logs.light, at)).toBeLessThan(
            device === "light" ? watchdogMs + 500 : COMMANDED_OFF_MS,
          );
          expect(switchedOnAfterStop(o.logs.light, at)).toEqual([]);
          expect(o.result.code).toBe(EXIT_CODES.deviceFault);
          expect(o.recorded.meta.status).toBe("failed");
          expect(o.recorded.events.some((e) => e.type === "fault")).toBe(true);
          expect(eyeLoss(o.logs, o.recorded, at - 200).lost).toBe(0);
          // What happened, to which port, and what to check.
          expect(o.output).toContain(s.rig.hostPath(device));
          expect(o.output).toMatch(/went away|unplugged|disconnected/i);
          expect(o.output).toMatch(/check/i);
        }),
      PTY_TEST_TIMEOUT_MS,
    );
});

describePty.concurrent("lines a device should never send, over real PTYs", () => {
  const cases: { fault: string; device: Device; command: string; allowLost?: number }[] = [
    { fault: "garbage line", device: "eye", command: "garbage" },
    // 100 kB with no newline: at most the one real line it runs into may go with it.
    { fault: "overlong line", device: "eye", command: "overlong 100000", allowLost: 1 },
    { fault: "out-of-range value", device: "eye", command: "range" },
    { fault: "wrong-device line", device: "eye", command: "wrong-device" },
    { fault: "wrong-channel edge", device: "light", command: "wrong-channel 7" },
  ];
  for (const c of cases)
    it(
      `${c.fault} from the ${c.device}: rejected, counted and recorded, the session carries on`,
      () =>
        scenario({ name: c.fault }, async (s) => {
          await lightOnFor(s, 1000);
          const at = monotonicMs();
          s.rig.devices[c.device].send(c.command);
          const o = await conclude(s, c.fault, at, {
            lossCutoff: Number.POSITIVE_INFINITY,
            lightsOff: false,
          });
          expectCompleted(o, { allowLost: c.allowLost ?? 0 });
          const [line = ""] = injected(o.logs[c.device]);
          expect(o.recorded.meta.devices?.[RECORDED_AS[c.device]]?.rejectedLines).toBeGreaterThanOrEqual(1);
          // The rejected line is in the event log (its start, at least), and the user is told.
          const marker = line.startsWith("x × ") ? "xxxxxxxx" : line.replace(/[^ -~]/g, "").slice(0, 12);
          expect(o.recorded.events.some((e) => JSON.stringify(e).includes(marker))).toBe(true);
          expect(o.output).toMatch(/reject/i);
          // Nothing of it reached the record.
          const stamp = line.split(" ")[1];
          expect(o.recorded.eye.some((r) => r.deviceUs === stamp)).toBe(false);
          expect(o.recorded.stimulus.some((r) => r.deviceUs === stamp)).toBe(false);
          expect(o.recorded.eye.every((r) => Number.isNaN(r.x) || Math.abs(r.x) <= 90)).toBe(true);
          const channels = ["blue", "amber"];
          expect(
            o.recorded.events.filter((e) => e.type === "light-edge" && !channels.includes(String(e.channel))),
          ).toEqual([]);
        }),
      PTY_TEST_TIMEOUT_MS,
    );
});

describePty.concurrent("device resets over real PTYs", () => {
  for (const device of ["light", "drum"] as const)
    it(
      `reset of the ${device}: mid-session (! boot, clock restarts), recorded, light off, session failed`,
      () =>
        scenario({ name: `reset-${device}` }, async (s) => {
          await lightOnFor(s, 1000);
          const at = monotonicMs();
          s.rig.devices[device].send("reset");
          const o = await conclude(s, `reset ${device}`, at);
          expect(lightsOffMs(o.logs.light, at)).toBeLessThan(COMMANDED_OFF_MS);
          expect(switchedOnAfterStop(o.logs.light, at)).toEqual([]);
          // The reset is recorded as the device reported it…
          expect(o.recorded.events.some((e) => JSON.stringify(e).includes("boot"))).toBe(true);
          // …and the light the record shows is the device's: off from the reset (a reset controller is dark).
          const lastEdge = (ch: string) =>
            o.recorded.events.filter((e) => e.type === "light-edge" && e.channel === ch).at(-1);
          for (const ch of ["blue", "amber"]) expect(lastEdge(ch)?.on ?? false).toBe(false);
          // A device that restarted under the session is a fault: the session does not end "complete".
          expect(o.recorded.meta.status).toBe("failed");
          expect(o.result.code).toBe(EXIT_CODES.deviceFault);
          expect(o.output).toMatch(/reset|boot/i);
          expect(o.output).toContain(s.rig.hostPath(device));
          expect(eyeLoss(o.logs, o.recorded, at - 50).lost).toBe(0);
        }),
      PTY_TEST_TIMEOUT_MS,
    );
});

describePty.concurrent("device clocks over real PTYs", () => {
  for (const [fault, ms] of [
    ["clock jump forward", 30_000],
    ["clock jump back", -30_000],
  ] as const)
    it(
      `${fault}: one line from each device ${ms / 1000} s off, rejected by the clock fit, nothing misplaced`,
      () =>
        scenario({ name: fault }, async (s) => {
          await lightOnFor(s, 1000);
          const at = monotonicMs();
          for (const d of ["light", "drum", "eye"] as const) s.rig.devices[d].send(`glitch ${ms}`);
          const o = await conclude(s, fault, at, { lossCutoff: Number.POSITIVE_INFINITY, lightsOff: false });
          // The glitched sample itself may be dropped; nothing else.
          expectCompleted(o, { allowLost: 1 });
          const wrong = misplacedRows(o);
          expect(wrong.eye.length).toBeLessThanOrEqual(1);
          expect(wrong.stimulus.length).toBeLessThanOrEqual(1);
          // Light edges stay where the device had them: within the session, in on/off order per channel.
          const end = o.recorded.meta.end?.sessionS ?? 0;
          for (const ch of ["blue", "amber"]) {
            const edges = o.recorded.events.filter((e) => e.type === "light-edge" && e.channel === ch);
            expect(edges.every((e) => Number(e.t_s) >= 0 && Number(e.t_s) <= end)).toBe(true);
            expect(edges.every((e, i) => e.on === (i % 2 === 0))).toBe(true);
            expect(edges.filter((e) => e.on)).toHaveLength(
              lightChanges(o.logs.light).filter((c) => c.channel === ch && c.on).length,
            );
          }
          // session.json: the fit rejected the outliers and says so, and what it kept is tight.
          for (const d of ["light", "drum", "eye"] as const) {
            expect(clockRejections(o, d)).toBeGreaterThanOrEqual(1);
            expect(o.recorded.meta.devices?.[RECORDED_AS[d]]?.clock?.residualMs).toBeLessThan(5);
          }
        }),
      PTY_TEST_TIMEOUT_MS,
    );

  it(
    "32-bit µs wrap: every device clock wraps mid-session, unwrapped, nothing lost or misplaced",
    () => {
      // Each clock reads 3 s before the wrap when hokr opens its port: it wraps early in training.
      const wrap = ["--clock-at-open-us", String(UINT32 - 3_000_000)];
      return scenario(
        { name: "wrap", rig: { deviceArgs: { light: wrap, drum: wrap, eye: wrap } } },
        async (s) => {
          const o = await conclude(s, "32-bit µs wrap", monotonicMs(), {
            lossCutoff: Number.POSITIVE_INFINITY,
            lightsOff: false,
          });
          expectCompleted(o);
          const wrapped = (rows: Recorded["eye"]) =>
            rows.some((r, i) => i > 0 && Number(r.deviceUs) < Number(rows[i - 1]?.deviceUs));
          expect(wrapped(o.recorded.eye)).toBe(true);
          expect(wrapped(o.recorded.stimulus)).toBe(true);
          expect(misplacedRows(o)).toEqual({ eye: [], stimulus: [] });
          expect(o.recorded.eye.every((r, i) => i === 0 || r.tUs > (o.recorded.eye[i - 1]?.tUs ?? 0))).toBe(
            true,
          );
        },
      );
    },
    PTY_TEST_TIMEOUT_MS,
  );
});

describePty.concurrent("reconnecting over real PTYs", () => {
  it(
    'reconnect to an eye tracker with a new clock: faultPolicy "reconnect", a new clock fit, the gap flagged',
    () => {
      const protocol = {
        ...SHORT_PTY_PROTOCOL,
        phases: SHORT_PTY_PROTOCOL.phases.map((p) => (p.name === "training" ? { ...p, durationS: 10 } : p)),
      };
      const rig = { rig: { faultPolicy: "reconnect", reconnectTimeoutS: 10 } };
      return scenario({ name: "reconnect", rig, protocol }, async (s) => {
        await lightOnFor(s, 1000);
        const at = monotonicMs();
        await s.rig.unplug("eye");
        await sleep(1500);
        await s.rig.replug("eye");
        const o = await conclude(s, "reconnect (eye, new clock)", at, { lossCutoff: at - 200 });
        expect(o.result.code).toBe(EXIT_CODES.complete);
        expect(o.recorded.meta.status).toBe("complete");
        expect(o.recorded.events.some((e) => e.type === "recovered")).toBe(true);
        // Every light went off at the loss and stayed off until the tracker was back.
        const back =
          o.logs.eye.find((r) => r.t > at && r.kind === "rx" && / START$/.test(r.text))?.t ??
          Number.POSITIVE_INFINITY;
        const offMs = lightsOffMs(o.logs.light, at);
        expect(offMs).toBeLessThan(COMMANDED_OFF_MS);
        expect(lightChanges(o.logs.light).filter((c) => c.on && c.t > at + offMs && c.t < back)).toEqual([]);
        // No sample lost before the plug was pulled, nor after the tracker came back.
        expect(eyeLoss(o.logs, o.recorded, at - 200).lost).toBe(0);
        const afterBack = { ...o.logs, eye: o.logs.eye.filter((r) => r.t > back) };
        const end = protocolEndAt(o.logs.drum);
        expect(eyeLoss(afterBack, o.recorded, end)).toMatchObject({ lost: 0 });
        expect(eyeLoss(afterBack, o.recorded, end).sent).toBeGreaterThan(0);
        // The new device clock got its own fit: every row, before and after the gap, sits where the device had it.
        expect(misplacedRows(o).eye).toEqual([]);
        // The block spanning the gap is flagged.
        const gapS = Number(o.recorded.events.find((e) => e.type === "fault")?.t_s);
        const spanning = o.recorded.gain.filter(
          (b) => Number(b.t_start_s) <= gapS && Number(b.t_end_s) >= gapS,
        );
        expect(spanning.length).toBeGreaterThan(0);
        for (const b of spanning) expect(b.quality).not.toBe("ok");
      });
    },
    PTY_TEST_TIMEOUT_MS,
  );
});
