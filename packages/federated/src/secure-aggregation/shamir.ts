import { TesseraError } from '@tessera/core';
import { FIELD_PRIME, inverse, modulo, type RandomBytes, randomFieldElement } from './prime-field.js';

/** One point (x, f(x)) of a Shamir polynomial; x ≥ 1 (f(0) is the secret). */
export interface ShamirShare {
  x: number;
  y: bigint;
}

/**
 * Shamir's (threshold, shareCount) secret sharing over GF(2^521 − 1): the secret is f(0) of a
 * random polynomial of degree threshold − 1, and share i is (i, f(i)) for i = 1 … shareCount.
 * Any `threshold` shares recover the secret; fewer reveal nothing about it.
 */
export function splitSecret(
  secret: bigint,
  options: { shareCount: number; threshold: number; randomBytes: RandomBytes },
): ShamirShare[] {
  const { shareCount, threshold } = options;
  if (
    !Number.isSafeInteger(threshold) ||
    threshold < 1 ||
    !Number.isSafeInteger(shareCount) ||
    threshold > shareCount
  ) {
    throw new TesseraError(
      'E_SHAMIR_OPTIONS',
      `threshold must be an integer in [1, shareCount], got threshold ${threshold} and shareCount ${shareCount}`,
    );
  }
  if (secret < 0n || secret >= FIELD_PRIME) {
    throw new TesseraError('E_SHAMIR_OPTIONS', 'the secret must be a field element in [0, 2^521 − 1)');
  }
  const coefficients = [secret];
  for (let degree = 1; degree < threshold; degree++) coefficients.push(randomFieldElement(options.randomBytes));
  return Array.from({ length: shareCount }, (_, index) => {
    const x = BigInt(index + 1);
    // Horner's rule from the highest coefficient down.
    let y = 0n;
    for (let degree = coefficients.length - 1; degree >= 0; degree--) {
      y = modulo(y * x + (coefficients[degree] as bigint));
    }
    return { x: index + 1, y };
  });
}

/** f(0) by Lagrange interpolation through exactly these points. */
function interpolateAtZero(shares: ShamirShare[]): bigint {
  let secret = 0n;
  for (const [i, share] of shares.entries()) {
    let numerator = 1n;
    let denominator = 1n;
    for (const [j, other] of shares.entries()) {
      if (i === j) continue;
      numerator = modulo(numerator * BigInt(-other.x));
      denominator = modulo(denominator * BigInt(share.x - other.x));
    }
    secret = modulo(secret + share.y * numerator * inverse(denominator));
  }
  return secret;
}

/**
 * The secret from at least `threshold` shares with distinct x. When more are given, the first
 * and the last `threshold` are interpolated separately and must agree, which catches a corrupted
 * or forged share instead of silently returning a wrong secret.
 */
export function reconstructSecret(shares: ShamirShare[], threshold: number): bigint {
  const distinct = new Set(shares.map((share) => share.x));
  if (distinct.size !== shares.length || shares.some((share) => !Number.isSafeInteger(share.x) || share.x < 1)) {
    throw new TesseraError('E_SHAMIR_SHARES', 'shares must have distinct positive integer x coordinates');
  }
  if (shares.length < threshold) {
    throw new TesseraError(
      'E_SHAMIR_SHARES',
      `${shares.length} shares cannot recover a secret shared with threshold ${threshold}`,
    );
  }
  const secret = interpolateAtZero(shares.slice(0, threshold));
  if (shares.length > threshold && interpolateAtZero(shares.slice(shares.length - threshold)) !== secret) {
    throw new TesseraError('E_SHAMIR_SHARES', 'the shares are inconsistent: some share was corrupted or forged');
  }
  return secret;
}
