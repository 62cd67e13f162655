// Signals at every stage of `hokr run --rig` over real PTYs, judged from the devices' own logs and the recorded
// folder: every light off, nothing switched on after the stop, no sample lost before it, the documented exit
// code and a message naming what happened.
import { expect, it } from "vitest";
import { monotonicMs } from "../../mocks/pty/device-clock.ts";
import { EXIT_CODES, FAULT_TEXT } from "../../src/core/faults.ts";
import { describePty, type PtyRigOptions } from "./harness.ts";
import { commandsAfter, lightsOffMs, switchedOnAfterStop } from "./judge.ts";
import {
  COMMANDED_OFF_MS,
  conclude,
  eyeLoss,
  handlersInstalled,
  lightOnFor,
  PTY_TEST_TIMEOUT_MS,
  reportFiguresAfterAll,
  type Scenario,
  scenario,
} from "./scenario.ts";

reportFiguresAfterAll();

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Commands that can put light out. */
const LIGHT_ON = ["ON", "TRAIN", "PWR"];

const deaf = ["--deaf-ms", "20000"];

/** Each stage: how the rig holds hokr there, and the moment to send the signal. */
const STAGES: Record<string, { rig: PtyRigOptions; moment: (s: Scenario) => Promise<unknown> }> = {
  // Every device still booting (deaf): hokr is opening its ports and about to wait for the first answer.
  "opening ports": {
    rig: { deviceArgs: { light: deaf, drum: deaf, eye: deaf } },
    moment: (s) => handlersInstalled(s.hokr.child.pid as number),
  },
  // Light and drum have answered; the eye tracker has not yet.
  handshake: {
    rig: { deviceArgs: { eye: deaf } },
    moment: (s) =>
      s.rig.devices.eye.waitFor((n) => n.kind === "rx-ignored" && / HELLO$/.test(n.text), "HELLO"),
  },
  // Light on (blue continuous, amber pulses) for a second.
  running: { rig: {}, moment: (s) => lightOnFor(s, 1000) },
  // The protocol is over and hokr is closing the rig (the eye tracker never answers STOP, so closing waits).
  ending: {
    rig: { deviceArgs: { eye: ["--ignore", "STOP"] } },
    moment: (s) => s.rig.devices.eye.waitFor((n) => n.kind === "rx-ignored" && / STOP$/.test(n.text), "STOP"),
  },
};

describePty.concurrent("signals over real PTYs", () => {
  for (const [stage, how] of Object.entries(STAGES))
    for (const signal of SIGNALS)
      it(
        `${signal} while ${stage}: lights off, nothing on after, flushed, exit as documented`,
        () =>
          scenario({ name: `${signal}-${stage}`, rig: how.rig }, async (s) => {
            await how.moment(s);
            const at = monotonicMs();
            s.hokr.child.kill(signal);
            const o = await conclude(s, `${signal} while ${stage}`, at);
            const light = o.logs.light;
            // Every light off, nothing switched on or commanded on after the signal.
            expect(lightsOffMs(light, at)).toBeLessThan(COMMANDED_OFF_MS);
            expect(switchedOnAfterStop(light, at)).toEqual([]);
            expect(commandsAfter(light, at).filter((v) => LIGHT_ON.includes(v))).toEqual([]);
            // hokr acted on the signal at once, whatever it was doing.
            expect(o.exitedAt - at).toBeLessThan(5000);
            const status = o.recorded.meta.status;
            if (stage === "ending") {
              // The protocol had finished: the session may end complete or interrupted, with its exit code.
              expect(["complete", "interrupted"]).toContain(status);
              expect(o.result.code).toBe(status === "complete" ? EXIT_CODES.complete : EXIT_CODES[signal]);
            } else {
              expect(o.result.code).toBe(EXIT_CODES[signal]);
              // Before the session started hokr says it stopped and made no folder; once running, the
              // session is interrupted. Either way the message names the signal.
              if (stage === "running") expect(o.output).toMatch(/interrupted/i);
              else expect(o.output).toContain(FAULT_TEXT.stoppedWhileConnecting(signal));
              expect(o.output).toContain(signal);
            }
            if (stage === "running" || stage === "ending") {
              // The recording is flushed and says how it ended, with every sample sent before the signal.
              expect(o.recorded.meta.end).toBeDefined();
              expect(eyeLoss(o.logs, o.recorded, at - 50).lost).toBe(0);
              if (stage === "running") {
                expect(status).toBe("interrupted");
                expect(o.recorded.meta.end?.reason).toContain(signal);
              }
            } else if (status !== undefined) {
              // A session folder made before the rig was ready must not look complete or still running.
              expect(status).toBe("interrupted");
            }
          }),
        PTY_TEST_TIMEOUT_MS,
      );

  for (const signal of SIGNALS)
    it(
      `a second ${signal} during cleanup: the cleanup still finishes, lights off, flushed, exit 128 + its number`,
      () =>
        scenario(
          { name: `second-${signal}`, rig: { deviceArgs: { eye: ["--ignore", "STOP"] } } },
          async (s) => {
            await lightOnFor(s, 1000);
            const at = monotonicMs();
            s.hokr.child.kill(signal);
            await s.rig.devices.eye.waitFor((n) => n.kind === "rx-ignored" && / STOP$/.test(n.text), "STOP");
            s.hokr.child.kill(signal);
            const o = await conclude(s, `second ${signal} during cleanup`, at);
            expect(o.result.signal).toBeNull();
            expect(o.result.code).toBe(EXIT_CODES[signal]);
            expect(lightsOffMs(o.logs.light, at)).toBeLessThan(COMMANDED_OFF_MS);
            expect(switchedOnAfterStop(o.logs.light, at)).toEqual([]);
            expect(o.recorded.meta.status).toBe("interrupted");
            expect(o.recorded.meta.end?.reason).toContain(signal);
            expect(o.recorded.events.at(-1)).toMatchObject({ type: "session-end", status: "interrupted" });
            expect(eyeLoss(o.logs, o.recorded, at - 50).lost).toBe(0);
          },
        ),
      PTY_TEST_TIMEOUT_MS,
    );

  it(
    "SIGKILL: the light controller's watchdog puts the light out; the folder keeps everything to the last flush",
    () => {
      const watchdogMs = 1000;
      return scenario({ name: "sigkill", rig: { rig: { watchdogMs } } }, async (s) => {
        await lightOnFor(s, 1000);
        const at = monotonicMs();
        s.hokr.child.kill("SIGKILL");
        // Files are flushed every 250 ms: samples sent before then are on disk.
        const o = await conclude(s, "SIGKILL", at, { lossCutoff: at - 500, settleMs: watchdogMs + 1000 });
        expect(o.result.signal).toBe("SIGKILL");
        const off = lightsOffMs(o.logs.light, at);
        expect(off).toBeGreaterThan(0); // the light was on, and only the device could put it out
        expect(off).toBeLessThan(watchdogMs + 500);
        expect(switchedOnAfterStop(o.logs.light, at)).toEqual([]);
        // The controller says its watchdog fired.
        expect(o.logs.light.some((r) => r.kind === "tx" && r.text.startsWith("W ") && r.t > at)).toBe(true);
        expect(o.recorded.meta.status).toBe("running");
        expect(eyeLoss(o.logs, o.recorded, at - 500).lost).toBe(0);
      });
    },
    PTY_TEST_TIMEOUT_MS,
  );
});
