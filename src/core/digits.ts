// Numbers written as text straight into a byte array, for the lines that stream (a device's samples, the
// recorder's rows): the same text as String(n) and x.toFixed(4), with no string made along the way. Each
// function writes at `at` and returns the end; the caller leaves room (MAX_NUMBER_BYTES per number).

/** The most bytes a number takes here: a safe integer, or toFixed(4) of |x| < 1e21 with its sign. */
export const MAX_NUMBER_BYTES = 27;

const [MINUS, DOT, ZERO] = [45, 46, 48];
/** "00", "01", … "99" as bytes. */
const DIGIT_PAIRS = Uint8Array.from(
  { length: 200 },
  (_, i) => ZERO + (i % 2 ? (i >> 1) % 10 : Math.floor(i / 20)),
);
/** Below this, whole numbers divide in 32-bit integer arithmetic (`| 0`), several times faster. */
const INT32 = 2 ** 31;

/** A Latin-1 text's bytes (no Buffer: this runs in the browser too). */
export function writeText(b: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
  return at;
}

/** How many decimal digits the whole number 0 ≤ v < 1e16 has (a binary search, 4 comparisons). */
const digitCount = (v: number): number =>
  v < 1e8
    ? v < 1e4
      ? v < 100
        ? v < 10
          ? 1
          : 2
        : v < 1000
          ? 3
          : 4
      : v < 1e6
        ? v < 1e5
          ? 5
          : 6
        : v < 1e7
          ? 7
          : 8
    : v < 1e12
      ? v < 1e10
        ? v < 1e9
          ? 9
          : 10
        : v < 1e11
          ? 11
          : 12
      : v < 1e14
        ? v < 1e13
          ? 13
          : 14
        : v < 1e15
          ? 15
          : 16;

/** The last `count` digits of the whole number 0 ≤ v < 2^31, zero-padded, written to end just before `end`. */
function digitsBefore(b: Uint8Array, end: number, v: number, count: number): void {
  let i = end;
  for (; count >= 2; count -= 2) {
    const q = (v / 100) | 0;
    const pair = (v - q * 100) << 1;
    b[--i] = DIGIT_PAIRS[pair + 1] as number;
    b[--i] = DIGIT_PAIRS[pair] as number;
    v = q;
  }
  if (count === 1) b[i - 1] = ZERO + (v % 10);
}

/** `String(n)`: digit by digit for a safe integer, through String otherwise. */
export function writeInteger(b: Uint8Array, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) return writeText(b, at, String(n));
  let v = n;
  if (v < 0) {
    b[at++] = MINUS;
    v = -v;
  }
  const end = at + digitCount(v);
  if (v < INT32) digitsBefore(b, end, v, end - at);
  else {
    // Two halves that each fit 32 bits: the last 8 digits, then the rest.
    const high = Math.floor(v / 1e8);
    digitsBefore(b, end, v - high * 1e8, 8);
    digitsBefore(b, end - 8, high, end - 8 - at);
  }
  return end;
}

/**
 * `writeInteger` for a column of whole numbers written row after row, such as times in µs: consecutive values
 * mostly share all but their last four digits, so the leading digits of the last value are kept and only the
 * last four are written while those are unchanged. The same text.
 */
export class IntegerColumn {
  /** The last value's ⌊v / 10⁴⌋ (−1: none yet) and its digits. */
  private high = -1;
  private readonly highDigits = new Uint8Array(MAX_NUMBER_BYTES);
  private highLength = 0;

  write(b: Uint8Array, at: number, v: number): number {
    if (!(v >= 1e4 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v))) return writeInteger(b, at, v);
    const high = Math.floor(v / 1e4);
    if (high !== this.high) {
      this.high = high;
      this.highLength = writeInteger(this.highDigits, 0, high);
    }
    const digits = this.highDigits;
    for (let i = 0; i < this.highLength; i++) b[at++] = digits[i] as number;
    digitsBefore(b, at + 4, v - high * 1e4, 4);
    return at + 4;
  }
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
  const whole = (n / 1e4) | 0;
  const dot = at + digitCount(whole);
  digitsBefore(b, dot, whole, dot - at);
  b[dot] = DOT;
  digitsBefore(b, dot + 5, n - whole * 1e4, 4);
  return dot + 5;
}
