import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random/seeded-random.js';
import {
  bfloat16BitsToFloat32Bits,
  float16BitsToFloat32Bits,
  float32BitsToBfloat16Bits,
  float32BitsToFloat16Bits,
} from './half-precision.js';

/**
 * The conversions against references written from the IEEE 754 definitions (value = ±2^e × 1.m,
 * nearest representable, ties to the even significand), independent of the bit tricks under test.
 * numpy agreement is checked in safetensors.test.ts.
 */

const bitsToFloat = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0]!;
const floatToBits = (value: number) => new Uint32Array(new Float32Array([value]).buffer)[0]!;

/** binary16 value from its definition. */
function float16Value(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Nearest finite binary16 (ties to even) or ±Infinity at or beyond 65520, by search over all values. */
const positiveHalves = Array.from({ length: 0x7c01 }, (_, half) => half); // 0 … +Infinity, ascending in value
function referenceFloat16(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  let low = 0;
  let high = positiveHalves.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (float16Value(middle) <= magnitude) low = middle;
    else high = middle;
  }
  if (magnitude >= 65520) return sign | 0x7c00;
  const below = magnitude - float16Value(low);
  const above = float16Value(high) - magnitude;
  if (below < above) return sign | low;
  if (above < below) return sign | high;
  return sign | (low % 2 === 0 ? low : high);
}

describe('binary16 (F16)', () => {
  it('decodes all 65,536 bit patterns to their defined value and encodes them back unchanged', () => {
    const mismatches: string[] = [];
    for (let half = 0; half < 65536; half++) {
      const decoded = bitsToFloat(float16BitsToFloat32Bits(half));
      const expected = float16Value(half);
      // NaN keeps sign and payload and comes back quiet.
      const reencoded = Number.isNaN(expected) ? half | 0x200 : half;
      const decodedRight = Number.isNaN(expected) ? Number.isNaN(decoded) : Object.is(decoded, expected);
      if (!decodedRight || float32BitsToFloat16Bits(float16BitsToFloat32Bits(half)) !== reencoded) {
        mismatches.push(`0x${half.toString(16)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds float32 to the nearest binary16, ties to even, over every exponent', () => {
    const random = seededRandom(3);
    const inputs: number[] = [];
    for (let i = 0; i < 20000; i++) {
      // Exponents 90…160 cover underflow to zero, subnormals, normals and overflow.
      const exponent = 90 + Math.floor(random() * 70);
      const mantissa = Math.floor(random() * 0x800000);
      const sign = random() < 0.5 ? 0x80000000 : 0;
      inputs.push((sign | (exponent << 23) | mantissa) >>> 0);
    }
    // Exact ties: halfway between neighbours, in the normal and subnormal ranges.
    for (let half = 1; half < 0x7bff; half += 97) {
      inputs.push(floatToBits((float16Value(half) + float16Value(half + 1)) / 2));
    }
    const mismatches = inputs.filter((bits) => float32BitsToFloat16Bits(bits) !== referenceFloat16(bitsToFloat(bits)));
    expect(mismatches.map((bits) => `0x${bits.toString(16)}`)).toEqual([]);
    expect(inputs.length).toBeGreaterThan(20000);
  });
});

describe('bfloat16 (BF16)', () => {
  it('keeps the top 16 bits, rounding to nearest with ties to even', () => {
    const random = seededRandom(4);
    const mismatches: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const bits = i < 10 ? (0x3f800000 + (i % 2) * 0x10000 + 0x8000) >>> 0 : Math.floor(random() * 2 ** 32);
      const value = bitsToFloat(bits);
      const result = float32BitsToBfloat16Bits(bits);
      if (Number.isNaN(value)) {
        if (!Number.isNaN(bitsToFloat(bfloat16BitsToFloat32Bits(result)))) mismatches.push(`0x${bits.toString(16)}`);
        continue;
      }
      // The two bfloat16 candidates: truncation, and one step away from zero.
      const truncated = bits >>> 16;
      const below = Math.abs(value - bitsToFloat(truncated << 16));
      const nextBits = (truncated + 1) << 16;
      const next = (nextBits & 0x7f800000) === 0x7f800000 ? Math.sign(value) * 2 ** 128 : bitsToFloat(nextBits);
      const above = Math.abs(next - value);
      const expected = below < above || (below === above && truncated % 2 === 0) ? truncated : truncated + 1;
      if (result !== expected) mismatches.push(`0x${bits.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('decodes by placing the bits in the top half of a float32', () => {
    expect(bitsToFloat(bfloat16BitsToFloat32Bits(0x3f80))).toBe(1);
    expect(bitsToFloat(bfloat16BitsToFloat32Bits(0xc049))).toBe(-3.140625);
    expect(Object.is(bitsToFloat(bfloat16BitsToFloat32Bits(0x8000)), -0)).toBe(true);
    expect(bitsToFloat(bfloat16BitsToFloat32Bits(0xff80))).toBe(Number.NEGATIVE_INFINITY);
  });
});
