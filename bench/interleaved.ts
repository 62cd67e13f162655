// Two measurements taken in alternation, for a row that is a ratio of one to the other: on the shared 2-core
// machine the speed drifts by a third within minutes, so a reference taken once, then its subject once, can
// be a third off; alternated rounds see the same drift, and each round's ratio is reported with the median.

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
}

/** Runs `reference` then `subject`, `rounds` times; returns each one's results in order. */
export async function interleaved<R, S>(
  rounds: number,
  reference: (round: number) => R | Promise<R>,
  subject: (round: number, reference: R) => S | Promise<S>,
): Promise<{ reference: R[]; subject: S[] }> {
  const out = { reference: [] as R[], subject: [] as S[] };
  for (let round = 0; round < rounds; round++) {
    const r = await reference(round);
    out.reference.push(r);
    out.subject.push(await subject(round, r));
  }
  return out;
}

/** "median (low–high)" of per-round values, each with `digits` decimals. */
export function spread(xs: readonly number[], digits: number): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}
