// The wire codecs: every message round-trips; malformed lines are rejected with an error naming the line;
// arbitrary input never crashes a decoder nor yields a value outside the declared ranges (fast-check).
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import type { FieldSpec } from "../devices/description.ts";
import { STIMULUS_EVENTS, stimulusCommands, stimulusEvents } from "../devices/drum/codec.ts";
import { pixelsToDegrees } from "../devices/eye-tracker/calibration.ts";
import { EYE_EVENTS, eyeCommands, eyeEvents } from "../devices/eye-tracker/codec.ts";
import { LIGHT_EVENTS, lightCommands, lightEvents } from "../devices/light-source/codec.ts";
import { encodeNumeric, numericBytes } from "../devices/messages.ts";
import { parseCommand, WireError } from "../devices/wire.ts";

const decoders = { light: lightEvents, stimulus: stimulusEvents, eye: eyeEvents };

describe("round trips", () => {
  it("light commands and events", () => {
    const train = {
      tag: "TRAIN",
      channel: 1,
      widthUs: 500_000,
      periodUs: 1_000_000,
      trainUs: 60_000_000,
      gapUs: 5_000_000,
      trains: 0,
    } as const;
    const line = lightCommands.encode(42, train);
    expect(line).toBe("@42 TRAIN 1 500000 1000000 60000000 5000000 0");
    const c = parseCommand(line);
    expect(lightCommands.decode(c.verb, c.args, line)).toEqual(train);
    // A train sent ahead names its start on the device clock (32-bit µs).
    const ahead = lightCommands.encode(43, { ...train, startUs: 4_294_967_295 });
    expect(ahead).toBe("@43 TRAIN 1 500000 1000000 60000000 5000000 0 4294967295");
    const a = parseCommand(ahead);
    expect(lightCommands.decode(a.verb, a.args, ahead)).toEqual({ ...train, startUs: 4_294_967_295 });
    expect(lightEvents.decode("E 4294967295 1 0")).toEqual({
      tag: "E",
      deviceUs: 4294967295,
      channel: 1,
      on: false,
    });
    expect(lightEvents.decode("W 17")).toEqual({ tag: "W", deviceUs: 17 });
    expect(lightEvents.decode("@9 ERR 2 power above 100 mW")).toEqual({
      kind: "err",
      id: 9,
      code: 2,
      text: "power above 100 mW",
    });
    expect(lightEvents.decode("@9 OK 5 hokr-light 1 2\r")).toEqual({
      kind: "ok",
      id: 9,
      deviceUs: 5,
      values: ["hokr-light", "1", "2"],
    });
  });

  it("stimulus and eye-tracker messages", () => {
    expect(stimulusCommands.encode(3, { tag: "SINE", amplitudeDeg: 10, frequencyHz: 0.17 })).toBe(
      "@3 SINE 10 0.1700",
    );
    expect(stimulusEvents.decode("P 123 -9.5")).toEqual({ tag: "P", deviceUs: 123, positionDeg: -9.5 });
    expect(eyeEvents.decode("S 100 nan")).toMatchObject({ tag: "S", xDeg: Number.NaN });
    expect(eyeEvents.decode("S 100 1.25 -2 3.5")).toEqual({
      tag: "S",
      deviceUs: 100,
      xDeg: 1.25,
      yDeg: -2,
      pupilPx: 3.5,
    });
    expect(eyeEvents.decode("R 7 412.5 400 300 310")).toMatchObject({
      tag: "R",
      pupilXPx: 412.5,
      crXPx: 400,
    });
    expect(eyeEvents.decode("T 7 lost")).toEqual({ tag: "T", deviceUs: 7, status: "lost" });
    expect(eyeCommands.encode(1, { tag: "START" })).toBe("@1 START");
  });
});

describe("malformed lines are rejected, naming the line", () => {
  const cases: [keyof typeof decoders, string, RegExp][] = [
    ["eye", "garbage", /unknown event 'garbage'/],
    ["eye", "S 100", /takes 2–4 fields after it, got 1/], // truncated
    ["eye", "S 100 1 2 3 4", /got 5/], // wrong field count
    ["eye", "S 100 95", /xDeg 95 outside -90…90/], // out of range
    ["eye", "S 100 1e3", /not a decimal number/],
    ["eye", "S -5 1", /device time -5 outside/],
    ["eye", "S 4294967296 1", /device time 4294967296 outside/],
    ["eye", "S 100 Infinity", /not a decimal number/],
    ["eye", "S 100  1", /exactly one space/],
    ["eye", "S 100 1\u0000", /non-printable/],
    ["eye", "", /empty line/],
    ["light", "E 100 1 nan", /on must be 0 or 1/], // NaN where a flag is due
    ["light", "E 100 99 1", /channel 99 outside 0…15/],
    ["light", "@x OK 1", /command id 'x'/],
    ["light", "@3 MAYBE 1", /reply must be OK or ERR/],
    ["stimulus", "P 1 0.5.5", /not a decimal number/],
    ["stimulus", `P 1 ${"1".repeat(130)}`, /longer than 120 bytes/],
  ];
  it.each(cases)("%s: %j", (device, line, reason) => {
    try {
      decoders[device].decode(line);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WireError);
      expect((e as WireError).line).toBe(line);
      expect((e as Error).message).toMatch(reason);
    }
  });
});

describe("decoders under arbitrary input (property-based)", () => {
  const lineLike = fc.oneof(
    fc.string({ maxLength: 140 }),
    fc
      .array(
        fc.constantFrom(
          "S",
          "R",
          "T",
          "E",
          "W",
          "P",
          "!",
          "@1",
          "OK",
          "ERR",
          "nan",
          "-",
          ".",
          "1",
          "-0.5",
          "99999999999",
          "4294967295",
          "tracking",
          " ",
          "\r",
        ),
        { maxLength: 8 },
      )
      .map((a) => a.join(" ")),
    fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b).toString("latin1")),
  );

  it.each(Object.entries(decoders))(
    "%s: never crashes, every value within its declared range",
    (_name, codec) => {
      fc.assert(
        fc.property(lineLike, (line) => {
          let m: unknown;
          try {
            m = codec.decode(line);
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
            return;
          }
          const v = m as Record<string, unknown>;
          if (typeof v.deviceUs === "number")
            expect(v.deviceUs >= 0 && v.deviceUs < 2 ** 32 && Number.isInteger(v.deviceUs)).toBe(true);
          for (const k of ["xDeg", "yDeg", "positionDeg"])
            if (typeof v[k] === "number" && !Number.isNaN(v[k]))
              expect(Math.abs(v[k] as number)).toBeLessThanOrEqual(90);
          if (typeof v.channel === "number") expect(v.channel >= 0 && v.channel <= 15).toBe(true);
        }),
        { numRuns: 3000 },
      );
    },
  );

  // The decoder reads plain numeric lines (samples, edges) straight from their characters; whatever it takes
  // must come out as the general path has it, value for value (−0 included), and whatever it leaves, the
  // general path decodes or rejects with its own reason.
  const numberLike = fc.oneof(
    fc.integer({ min: -(2 ** 33), max: 2 ** 33 }).map(String),
    fc.double({ min: -200, max: 200, noNaN: true }).map((x) => x.toFixed(4)),
    fc.double({ noNaN: true }).map(String),
    fc.tuple(fc.stringMatching(/^-?\d{0,18}$/), fc.stringMatching(/^\d{0,8}$/)).map(([a, b]) => `${a}.${b}`),
    fc.stringMatching(/^-?\d{1,20}$/),
    fc.constantFrom("nan", "-0", "0.0000", "+1", ".5", "5.", "1e3", "0x10", "Infinity", "4294967296", "-"),
  );
  /** A field of this spec as a device would send it (any decimals, in range or just past it), or anything. */
  const fieldText = (f: FieldSpec) => {
    const lo = f.kind === "time" ? 0 : Math.max(f.min ?? -1e6, -1e12);
    const hi = f.kind === "time" ? 2 ** 32 - 1 : Math.min(f.max ?? 1e6, 1e12);
    const span = (hi - lo) * 0.05;
    const whole = fc.integer({ min: Math.ceil(lo - span), max: Math.floor(hi + span) }).map(String);
    const plain =
      f.kind === "dec"
        ? fc
            .tuple(
              fc.double({ min: lo - span, max: hi + span, noNaN: true }),
              fc.integer({ min: 0, max: 20 }),
            )
            .map(([x, d]) => x.toFixed(d))
        : whole;
    return fc.oneof({ arbitrary: plain, weight: 8 }, { arbitrary: whole, weight: 2 }, numberLike);
  };
  /** Lines of a table's numeric events: their fields mostly as sent, some left out, some spoilt; any framing. */
  const numericLine = (table: Readonly<Record<string, readonly FieldSpec[]>>) =>
    fc
      .constantFrom(
        ...Object.entries(table).filter(([, specs]) =>
          specs.every((f) => ["time", "int", "dec"].includes(f.kind)),
        ),
      )
      .chain(([tag, specs]) =>
        fc.tuple(
          fc.constant(tag),
          fc.tuple(...specs.map(fieldText)),
          fc.integer({ min: 0, max: specs.length + 1 }),
          fc.constantFrom(" ", " ", " ", " ", "  "),
          fc.constantFrom("", "", "", "\r", " "),
        ),
      )
      .map(
        ([tag, values, count, gap, end]) =>
          [tag, ...values.slice(0, count), ...(count > values.length ? ["7"] : [])].join(gap) + end,
      );
  const tables = { light: LIGHT_EVENTS, stimulus: STIMULUS_EVENTS, eye: EYE_EVENTS };

  it.each(Object.entries(decoders))(
    "%s: the fast path decodes exactly as the general path",
    (name, codec) => {
      const outcome = (decode: (line: string) => unknown, line: string) => {
        try {
          return { value: decode(line) as Record<string, unknown> };
        } catch (e) {
          return { error: (e as Error).message };
        }
      };
      fc.assert(
        fc.property(numericLine(tables[name as keyof typeof tables]), (line) => {
          const fast = outcome(codec.decode, line);
          const full = outcome(codec.decodeInFull, line);
          expect(fast.error).toBe(full.error);
          expect(Object.keys(fast.value ?? {})).toEqual(Object.keys(full.value ?? {}));
          for (const [k, v] of Object.entries(full.value ?? {}))
            expect(Object.is(fast.value?.[k], v), k).toBe(true);
        }),
        { numRuns: 5000 },
      );
    },
  );

  it("the fast path leaves numbers with more digits than a double holds exactly to Number()", () => {
    // Read digit by digit, each of these would come out one unit in the last place off (found by search).
    for (const x of [
      "0.9028188875159617",
      "0.525954603503799899",
      "0.15622756943062673",
      "0.77207630761452329",
    ])
      expect(stimulusEvents.decode(`P 1 ${x}`)).toEqual({ tag: "P", deviceUs: 1, positionDeg: Number(x) });
  });

  it("the fast path takes plain sample lines (the general path is not asked)", () => {
    const lines = ["S 4000005000 -0.2431", "S 12 3.5 -1.25 40", "S 0 0\r"];
    const spied = vi.spyOn(eyeEvents, "decodeInFull");
    try {
      for (const line of lines) eyeEvents.decode(line);
      expect(spied).not.toHaveBeenCalled();
      eyeEvents.decode("S 12 nan");
      expect(spied).toHaveBeenCalledTimes(1);
    } finally {
      spied.mockRestore();
    }
  });

  it.each(Object.entries(decoders))(
    "%s: a numeric event written straight into bytes is encode's line",
    (name, codec) => {
      const table = tables[name as keyof typeof tables];
      const numericTags = Object.entries(table as Record<string, readonly FieldSpec[]>)
        .filter(([, specs]) => specs.every((f) => ["time", "int", "dec"].includes(f.kind)))
        .map(([tag]) => tag);
      expect(numericTags.length).toBeGreaterThan(0);
      const value = (f: FieldSpec) =>
        f.kind === "dec"
          ? fc.oneof(
              fc.double({ min: f.min ?? -1e6, max: f.max ?? 1e6, noNaN: true }),
              fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 1e4),
              fc.integer({ min: -1e9, max: 1e9 }),
              ...(f.nan ? [fc.constant(Number.NaN)] : []),
            )
          : fc.integer({ min: f.min ?? 0, max: f.kind === "time" ? 2 ** 32 - 1 : (f.max ?? 2 ** 31) });
      const bytes = new Uint8Array(256);
      fc.assert(
        fc.property(
          fc
            .constantFrom(...numericTags)
            .chain((tag) =>
              fc.tuple(
                fc.constant(tag),
                fc.tuple(...(table[tag as keyof typeof table] as readonly FieldSpec[]).map(value)),
                fc.integer({ min: 0, max: 4 }),
              ),
            ),
          ([tag, values, leaveOut]) => {
            const specs = table[tag as keyof typeof table] as readonly FieldSpec[];
            // Optional fields at the end left out: undefined for encode, NaN for the byte encoder.
            const kept = Math.max(
              specs.length - leaveOut,
              specs.findLastIndex((f: FieldSpec) => !f.optional) + 1,
            );
            const message: Record<string, unknown> = { tag };
            specs.forEach((f, k) => {
              message[f.name] = k < kept ? values[k] : undefined;
            });
            const fields = values.map((v, k) => (k < kept ? v : Number.NaN));
            // A NaN in a kept optional field reads as left out: encode is given undefined there too.
            const cut = fields.findIndex((v, k) => Number.isNaN(v) && specs[k]?.optional);
            if (cut >= 0)
              for (let k = cut; k < specs.length; k++) message[(specs[k] as FieldSpec).name] = undefined;
            const e = codec.numeric(tag as never);
            const end = encodeNumeric(e, fields, bytes, 3);
            expect(end - 3).toBeLessThanOrEqual(numericBytes(e));
            expect(Buffer.from(bytes.subarray(3, end)).toString("latin1")).toBe(
              codec.encode(message as never),
            );
          },
        ),
        { numRuns: 3000 },
      );
    },
  );

  it("eye samples survive encode → decode exactly (at the wire's 0.0001° resolution)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: -900000, max: 900000 }),
        (deviceUs, x) => {
          const xDeg = x / 1e4;
          const line = eyeEvents.encode({ tag: "S", deviceUs, xDeg, yDeg: undefined, pupilPx: undefined });
          expect(eyeEvents.decode(line)).toEqual({
            tag: "S",
            deviceUs,
            xDeg,
            yDeg: undefined,
            pupilPx: undefined,
          });
        },
      ),
    );
  });
});

describe("pixel calibration", () => {
  it("pixels-per-degree is linear and Stahl's method is asin((P − CR)/Rp)", () => {
    expect(pixelsToDegrees(430, 400, { method: "pixels-per-degree", pxPerDeg: 6 })).toBeCloseTo(5);
    expect(
      pixelsToDegrees(400 + 300 * Math.sin((20 * Math.PI) / 180), 400, { method: "stahl", rpPx: 300 }),
    ).toBeCloseTo(20, 10);
    expect(pixelsToDegrees(800, 400, { method: "stahl", rpPx: 300 })).toBeNaN(); // beyond the eye's radius
  });
});
