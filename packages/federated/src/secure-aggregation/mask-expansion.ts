import { createCipheriv } from 'node:crypto';
import { TesseraError } from '@tessera/core';

/**
 * The PRG that stretches a 32-byte seed into a mask over Z_{2^32}^length: the AES-256-CTR
 * keystream under key = seed and an all-zero initial counter, read as little-endian uint32
 * words. A mask is uniform over the ring to anyone without the seed.
 */
export function expandMask(seed: Uint8Array, length: number): Uint32Array {
  if (seed.length !== 32) {
    throw new TesseraError('E_SECURE_AGGREGATION_SEED', `a mask seed has 32 bytes, got ${seed.length}`);
  }
  const cipher = createCipheriv('aes-256-ctr', seed, new Uint8Array(16));
  const keystream = cipher.update(new Uint8Array(4 * length));
  // Copied into a fresh, aligned buffer: a Buffer from Node's pool may start at any byte offset.
  const words = new Uint32Array(length);
  new Uint8Array(words.buffer).set(keystream);
  if (!littleEndian) for (let index = 0; index < length; index++) words[index] = swapBytes(words[index] as number);
  return words;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swapBytes(word: number): number {
  return (((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0;
}

/** target += sign · PRG(seed), element-wise mod 2^32 (in place). */
export function applyMask(target: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  const mask = expandMask(seed, target.length);
  // Uint32Array stores ToUint32 of the result, which is the sum modulo 2^32.
  if (sign === 1) for (let index = 0; index < target.length; index++) target[index] += mask[index] as number;
  else for (let index = 0; index < target.length; index++) target[index] -= mask[index] as number;
}
