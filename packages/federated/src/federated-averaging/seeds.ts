const MASK_64 = (1n << 64n) - 1n;

function mix(value: bigint): bigint {
  let z = (value + 0x9e3779b97f4a7c15n) & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/**
 * A 31-bit seed that is a pure function of (seed, ...streams), e.g. (seed, round, client): every
 * client's shuffle in every round is reproducible on its own, without replaying earlier rounds.
 */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let state = mix(BigInt.asUintN(64, BigInt(seed)));
  for (const stream of streams) state = mix(state ^ BigInt.asUintN(64, BigInt(stream)));
  return Number(state & 0x7fffffffn);
}
