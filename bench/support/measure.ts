/** Timing loops shared by the benchmarks. */

/** median ns per call of fn: 200 ms warm-up, then `batches` batches sized to take at least ~10 ms */
export function measure(fn: () => void, batches: number): number {
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) fn();
  let batch = 1;
  for (;;) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    if (Number(process.hrtime.bigint() - t) > 10e6) break;
    batch *= 2;
  }
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t) / batch);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

let sink: unknown;

/**
 * Mean ns per call of each case, per round: `warmRounds + rounds` rounds that alternate the cases
 * (so drift on a shared machine hits all), `iterations` calls per case per round; the warm-up
 * rounds are not kept.
 */
export function sampleRounds(cases: Record<string, () => unknown>, rounds: number, iterations: number, warmRounds: number): Record<string, number[]> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < rounds + warmRounds; round++) {
    for (const [name, fn] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink = fn();
      const perOp = Number(process.hrtime.bigint() - start) / iterations;
      if (round >= warmRounds) samples[name]!.push(perOp);
    }
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return samples;
}

/** median, the mean of the two middle values for an even count */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
