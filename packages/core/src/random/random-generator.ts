/**
 * A seeded pseudo-random generator so initialisation, shuffling, dropout masks and sampling are
 * repeatable. PCG32 (O'Neill 2014): 64-bit LCG state, 32-bit permuted output; small, fast, and
 * statistically sound for ML use. Not for cryptography.
 */
export interface RandomGenerator {
  /** A float in [0, 1) with 32 bits of randomness. */
  nextFloat(): number;
  /** A 32-bit unsigned integer. */
  nextUint32(): number;
  /** An integer in [0, bound) without modulo bias. */
  nextInt(bound: number): number;
  /** A standard normal sample (Box–Muller). */
  nextNormal(): number;
  /** A seed for a tfjs op that takes one (tf.randomNormal, tf.randomUniform, dropout). */
  nextSeed(): number;
  /** Fisher–Yates shuffle of the array in place; returns it. */
  shuffle<T>(array: T[]): T[];
  /** A permutation of 0 … length − 1. */
  permutation(length: number): Int32Array;
  /** The generator's state, to checkpoint and resume exactly. */
  getState(): RandomGeneratorState;
  setState(state: RandomGeneratorState): void;
  /** An independent generator derived from this one (e.g. one per worker or per epoch). */
  fork(): RandomGenerator;
}

export interface RandomGeneratorState {
  /** The 64-bit state and increment as decimal strings (JSON-safe). */
  state: string;
  increment: string;
  /** A cached second Box–Muller sample, if any. */
  spareNormal: number | null;
}

const MULTIPLIER = 6364136223846793005n;
const MASK_64 = (1n << 64n) - 1n;

class Pcg32 implements RandomGenerator {
  private state = 0n;
  private increment = 1n;
  private spareNormal: number | null = null;

  constructor(seed: bigint, sequence: bigint) {
    this.increment = ((sequence << 1n) | 1n) & MASK_64;
    this.state = 0n;
    this.nextUint32();
    this.state = (this.state + (seed & MASK_64)) & MASK_64;
    this.nextUint32();
  }

  nextUint32(): number {
    const previous = this.state;
    this.state = (previous * MULTIPLIER + this.increment) & MASK_64;
    const xorShifted = Number((((previous >> 18n) ^ previous) >> 27n) & 0xffffffffn);
    const rotation = Number(previous >> 59n);
    return ((xorShifted >>> rotation) | (xorShifted << ((32 - rotation) & 31))) >>> 0;
  }

  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 4294967296) {
      throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Rejection sampling: discard the top sliver of values that would bias the modulo.
    const limit = 4294967296 - (4294967296 % bound);
    for (;;) {
      const value = this.nextUint32();
      if (value < limit) return value % bound;
    }
  }

  nextNormal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  nextSeed(): number {
    // tfjs seeds go through seedrandom as numbers; keep them exact integers.
    return this.nextUint32();
  }

  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      [array[i], array[j]] = [array[j] as T, array[i] as T];
    }
    return array;
  }

  permutation(length: number): Int32Array {
    const order = new Int32Array(length);
    for (let i = 0; i < length; i++) order[i] = i;
    for (let i = length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const swap = order[i] as number;
      order[i] = order[j] as number;
      order[j] = swap;
    }
    return order;
  }

  getState(): RandomGeneratorState {
    return { state: this.state.toString(), increment: this.increment.toString(), spareNormal: this.spareNormal };
  }

  setState(state: RandomGeneratorState): void {
    this.state = BigInt(state.state) & MASK_64;
    this.increment = BigInt(state.increment) & MASK_64;
    this.spareNormal = state.spareNormal;
  }

  fork(): RandomGenerator {
    const seed = (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
    return new Pcg32(seed, BigInt(this.nextUint32()));
  }
}

/** A seeded generator. The same seed always yields the same sequence, on every platform. */
export function createRandomGenerator(seed: number | bigint = 0, sequence: number | bigint = 54): RandomGenerator {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  return new Pcg32(BigInt(seed), BigInt(sequence));
}
