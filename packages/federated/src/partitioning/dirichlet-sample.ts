import type { RandomGenerator } from '@tessera/core';

/**
 * log of a Gamma(shape, 1) sample. Marsaglia & Tsang (2000) for shape ≥ 1; below 1 the boost
 * Gamma(a) = Gamma(a + 1) · U^(1/a), kept in log space because U^(1/a) underflows to 0 for the
 * small concentrations (α = 0.01) that strongly skewed federated splits use.
 */
export function sampleLogGamma(shape: number, random: RandomGenerator): number {
  if (shape < 1) {
    let uniform = 0;
    while (uniform === 0) uniform = random.nextFloat();
    return sampleLogGamma(shape + 1, random) + Math.log(uniform) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = random.nextNormal();
    const base = 1 + c * x;
    if (base <= 0) continue;
    const v = base * base * base;
    const uniform = random.nextFloat();
    if (uniform < 1 - 0.0331 * x ** 4 || Math.log(uniform) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
      return Math.log(d * v);
    }
  }
}

/** A sample of the symmetric Dirichlet(concentration · 1_size): non-negative, summing to 1. */
export function sampleDirichlet(size: number, concentration: number, random: RandomGenerator): Float64Array {
  const logs = Float64Array.from({ length: size }, () => sampleLogGamma(concentration, random));
  // Normalise in log space (a softmax), so tiny gammas keep their ratios instead of becoming 0/0.
  let largest = Number.NEGATIVE_INFINITY;
  for (const value of logs) largest = Math.max(largest, value);
  let total = 0;
  for (let index = 0; index < size; index++) {
    logs[index] = Math.exp((logs[index] as number) - largest);
    total += logs[index] as number;
  }
  for (let index = 0; index < size; index++) logs[index] = (logs[index] as number) / total;
  return logs;
}

/**
 * Integer counts summing to `total` in the given proportions, by largest remainder (Hamilton's
 * method): floor every share, then hand the leftover units to the largest fractional parts.
 */
export function apportion(total: number, proportions: ArrayLike<number>): Int32Array {
  const counts = new Int32Array(proportions.length);
  const remainders: Array<[number, number]> = [];
  let assigned = 0;
  for (let index = 0; index < proportions.length; index++) {
    const exact = total * (proportions[index] as number);
    counts[index] = Math.floor(exact);
    assigned += counts[index] as number;
    remainders.push([exact - Math.floor(exact), index]);
  }
  remainders.sort((left, right) => right[0] - left[0] || left[1] - right[1]);
  for (let unit = 0; unit < total - assigned; unit++) {
    const index = (remainders[unit % remainders.length] as [number, number])[1];
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}
