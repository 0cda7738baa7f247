import { randomBytes as cryptoRandomBytes } from 'node:crypto';

/**
 * The field Shamir sharing works in: integers modulo the Mersenne prime 2^521 − 1, large enough
 * that every 32-byte secret (an X25519 private key, a self-mask seed) is one field element.
 */
export const FIELD_PRIME = 2n ** 521n - 1n;

/** Bytes of randomness; `node:crypto`'s by default, a seeded stream in tests. */
export type RandomBytes = (length: number) => Uint8Array;

export const secureRandomBytes: RandomBytes = (length) => new Uint8Array(cryptoRandomBytes(length));

export function modulo(value: bigint, prime = FIELD_PRIME): bigint {
  const remainder = value % prime;
  return remainder < 0n ? remainder + prime : remainder;
}

/** value^-1 mod prime by the extended Euclidean algorithm; value must be non-zero mod prime. */
export function inverse(value: bigint, prime = FIELD_PRIME): bigint {
  let [oldRemainder, remainder] = [modulo(value, prime), prime];
  let [oldCoefficient, coefficient] = [1n, 0n];
  while (remainder !== 0n) {
    const quotient = oldRemainder / remainder;
    [oldRemainder, remainder] = [remainder, oldRemainder - quotient * remainder];
    [oldCoefficient, coefficient] = [coefficient, oldCoefficient - quotient * coefficient];
  }
  if (oldRemainder !== 1n) throw new RangeError(`${value} has no inverse modulo the field prime`);
  return modulo(oldCoefficient, prime);
}

/** A uniformly random field element: 521 random bits, redrawn in the (2^-521 likely) case it is ≥ p. */
export function randomFieldElement(randomBytes: RandomBytes): bigint {
  for (;;) {
    const bytes = randomBytes(66); // 528 bits, of which the top 7 are cleared
    bytes[0] = (bytes[0] as number) & 0x01;
    const value = bytesToBigInt(bytes);
    if (value < FIELD_PRIME) return value;
  }
}

/** Big-endian bytes as a non-negative integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A non-negative integer as exactly `length` big-endian bytes (RangeError when it does not fit). */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new RangeError(`${value} does not fit in ${length} bytes`);
  }
  const bytes = new Uint8Array(length);
  let rest = value;
  for (let index = length - 1; index >= 0; index--) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}
