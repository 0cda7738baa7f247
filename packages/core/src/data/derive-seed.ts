import { TesseraError } from '../errors.js';

const MASK_64 = (1n << 64n) - 1n;

/** SplitMix64's finaliser: a bijective 64-bit mix in which every input bit affects every output bit. */
function splitMix64(value: bigint): bigint {
  let z = (value + 0x9e3779b97f4a7c15n) & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/** Throws `E_DATA_SEED` unless `seed` is a safe integer (what `createRandomGenerator` accepts). */
export function checkSeed(seed: unknown, what = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TesseraError('E_DATA_SEED', `${what} must be a safe integer, got ${String(seed)}`);
  }
}

/**
 * A 64-bit seed that is a pure function of `(seed, ...streams)`, e.g. `(seed, epoch)`. Hashing
 * rather than using `seed + epoch` keeps run (seed 1, epoch 0) from replaying run (seed 0,
 * epoch 1), and makes an epoch's order computable directly, without replaying earlier epochs,
 * so a run resumed at epoch e reproduces e exactly.
 */
export function deriveSeed(seed: number, ...streams: number[]): bigint {
  let state = splitMix64(BigInt.asUintN(64, BigInt(seed)));
  for (const stream of streams) state = splitMix64(state ^ BigInt.asUintN(64, BigInt(stream)));
  return state;
}
