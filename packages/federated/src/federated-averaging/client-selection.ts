import { createRandomGenerator, TesseraError } from '@tessera/core';
import { deriveSeed } from './seeds.js';

/**
 * How many of `available` clients take part in a round: max(minimum, ⌊C · K⌋), at most all of
 * them (McMahan et al.'s m = max(C · K, 1)). C = 1 selects everyone, C = 0 one client per round.
 */
export function clientsPerRound(available: number, clientFraction: number, minimum = 1): number {
  if (typeof clientFraction !== 'number' || !(clientFraction >= 0 && clientFraction <= 1)) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      `clientFraction (C) must be a number in [0, 1], got ${String(clientFraction)}`,
    );
  }
  // The epsilon keeps 0.1 · 30 = 3.0000000000000004 and 0.7 · 10 = 6.999999999999999 at 3 and 7.
  return Math.min(available, Math.max(minimum, Math.floor(clientFraction * available + 1e-9)));
}

/** The clients of one round: a uniform sample without replacement, a pure function of (seed, round). */
export function selectClients(
  available: number,
  clientFraction: number,
  options: { round: number; seed?: number; minimum?: number },
): number[] {
  const count = clientsPerRound(available, clientFraction, options.minimum ?? 1);
  const order = createRandomGenerator(deriveSeed(options.seed ?? 0, options.round)).permutation(available);
  return Array.from(order.subarray(0, count)).sort((left, right) => left - right);
}
