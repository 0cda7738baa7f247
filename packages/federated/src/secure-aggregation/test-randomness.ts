import { createHash } from 'node:crypto';
import type { RandomBytes } from './prime-field.js';

/**
 * A seeded byte stream (SHA-256 in counter mode) standing in for node:crypto's randomness, so
 * statistical tests of the protocol are reproducible. Tests only: never use a seeded source for
 * real keys.
 */
export function seededRandomBytes(seed: string): RandomBytes {
  let counter = 0;
  let buffer = new Uint8Array(0);
  return (length) => {
    while (buffer.length < length) {
      const block = createHash('sha256').update(`${seed}|${counter++}`).digest();
      const grown = new Uint8Array(buffer.length + block.length);
      grown.set(buffer);
      grown.set(block, buffer.length);
      buffer = grown;
    }
    const output = buffer.slice(0, length);
    buffer = buffer.slice(length);
    return output;
  };
}
