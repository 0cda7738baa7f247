import { TesseraError } from '@tessera/core';

/**
 * Fixed-point encoding into the ring Z_{2^32} that masks live in: x ↦ round(x · 2^f) mod 2^32,
 * read back as a two's-complement int32 divided by 2^f. Sums of encodings decode to the sum of
 * the values as long as the TRUE SUM of every coordinate stays in [−2^(31−f), 2^(31−f)); past
 * that it wraps around. Each value is off by at most 2^−(f+1) after rounding, so a sum of n
 * encodings is within n · 2^−(f+1) of the exact sum.
 *
 * The default f = 20 gives a resolution of 9.5e−7 and a range of ±2048.
 */
export const DEFAULT_FRACTIONAL_BITS = 20;

/** The open bound 2^(31−f) on the magnitude of every coordinate of a sum. */
export function fixedPointRange(fractionalBits: number): number {
  checkFractionalBits(fractionalBits);
  return 2 ** (31 - fractionalBits);
}

export function checkFractionalBits(fractionalBits: unknown): number {
  if (
    typeof fractionalBits !== 'number' ||
    !Number.isInteger(fractionalBits) ||
    fractionalBits < 0 ||
    fractionalBits > 30
  ) {
    throw new TesseraError(
      'E_SECURE_AGGREGATION_OPTIONS',
      `fractionalBits must be an integer in [0, 30], got ${String(fractionalBits)}`,
    );
  }
  return fractionalBits;
}

/** Encodes each value; a value that could not be represented even alone throws E_SECURE_AGGREGATION_RANGE. */
export function encodeFixedPoint(values: ArrayLike<number>, fractionalBits = DEFAULT_FRACTIONAL_BITS): Uint32Array {
  const range = fixedPointRange(fractionalBits);
  const scale = 2 ** fractionalBits;
  const encoded = new Uint32Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    if (!(Math.abs(value) < range)) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_RANGE',
        `value ${value} at index ${index} is outside the fixed-point range ±${range} (${fractionalBits} fractional bits); ` +
          'bound the update (maxUpdateNorm) or use fewer fractional bits',
      );
    }
    // Uint32Array stores ToUint32 of the integer: the two's-complement residue mod 2^32.
    encoded[index] = Math.round(value * scale);
  }
  return encoded;
}

/** Decodes a (sum of) encoding(s) back to floats, reading each word as a signed int32. */
export function decodeFixedPoint(encoded: Uint32Array, fractionalBits = DEFAULT_FRACTIONAL_BITS): Float32Array {
  checkFractionalBits(fractionalBits);
  const scale = 2 ** fractionalBits;
  const signed = new Int32Array(encoded.buffer, encoded.byteOffset, encoded.length);
  return Float32Array.from(signed, (value) => value / scale);
}
