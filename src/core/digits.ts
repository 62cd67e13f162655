// Numbers written as text straight into a byte array, for the lines that stream (a device's samples, the
// recorder's rows): the same text as String(n) and x.toFixed(4), with no string made along the way. Each
// function writes at `at` and returns the end; the caller leaves room (MAX_NUMBER_BYTES per number).

/** The most bytes a number takes here: a safe integer, or toFixed(4) of |x| < 1e21 with its sign. */
export const MAX_NUMBER_BYTES = 27;

const [MINUS, DOT, ZERO] = [45, 46, 48];
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** "00", "01", … "99" as bytes. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => ZERO + (i % 2 ? (i >> 1) % 10 : Math.floor(i / 20)),
);

/** A Latin-1 text's bytes (no Buffer: this runs in the browser too). */
export function writeText(b: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
  return at;
}

/** `String(n)`: digit by digit for a safe integer, through String otherwise. */
export function writeInteger(b: Uint8Array, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) return writeText(b, at, String(n));
  let v = n;
  if (v < 0) {
    b[at++] = MINUS;
    v = -v;
  }
  let length = 1;
  while (length < 16 && v >= (POW10[length] as number)) length++;
  const end = at + length;
  let i = end - 1;
  // Two digits per division, from the right.
  for (; v >= 100; i -= 2) {
    const q = Math.floor(v / 100);
    const pair = 2 * (v - q * 100);
    b[i] = DIGIT_PAIRS[pair + 1] as number;
    b[i - 1] = DIGIT_PAIRS[pair] as number;
    v = q;
  }
  if (v >= 10) {
    b[i] = DIGIT_PAIRS[2 * v + 1] as number;
    b[i - 1] = DIGIT_PAIRS[2 * v] as number;
  } else b[i] = ZERO + v;
  return end;
}

/**
 * `x.toFixed(4)` for a number that is not NaN (the caller spells NaN its own way). Digit by digit when |x|·10⁴
 * is well clear of a rounding tie and small enough that computing it is exact to 10⁻⁴ (always, for values on
 * a 0.0001 grid); through toFixed otherwise, so the text is toFixed's in every case.
 */
export function writeFixed4(b: Uint8Array, at: number, x: number): number {
  const scaled = Math.abs(x) * 1e4;
  const n = Math.round(scaled);
  if (!(scaled < 1e9) || Math.abs(scaled - n) > 0.499) return writeText(b, at, x.toFixed(4));
  if (x < 0) b[at++] = MINUS;
  const whole = Math.floor(n / 1e4);
  let frac = n - whole * 1e4;
  at = writeInteger(b, at, whole);
  b[at++] = DOT;
  for (let i = 3; i >= 0; i--) {
    const q = Math.floor(frac / 10);
    b[at + i] = ZERO + frac - q * 10;
    frac = q;
  }
  return at + 4;
}
