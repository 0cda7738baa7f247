/**
 * Bit-level conversions between float32 and the two 16-bit float formats safetensors stores:
 * IEEE 754 binary16 (`F16`) and bfloat16 (`BF16`). Everything works on raw bit patterns so that
 * conversions are exact and reproducible (no detour through float64 rounding), NaN payloads keep
 * their top bits, and signed zeros and infinities survive.
 */

/**
 * float32 bits → binary16 bits, rounding to nearest with ties to even (IEEE 754 default, and what
 * numpy's `astype(np.float16)` and PyTorch's `.half()` do). Overflow becomes ±Infinity, values
 * below half the smallest subnormal become ±0, and NaN stays a quiet NaN.
 */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) {
    // Infinity keeps its sign; NaN keeps the top 10 payload bits with the quiet bit set.
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-14 the result is a binary16 subnormal (or zero): shift the full 24-bit
    // significand so one unit is 2^-24, then round the bits shifted out.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const truncated = significand >>> shift;
    const remainder = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const roundUp = remainder > halfway || (remainder === halfway && (truncated & 1) === 1);
    // A carry out of the subnormal range lands on the smallest normal, which is correct.
    return sign | (truncated + (roundUp ? 1 : 0));
  }
  const truncated = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  const roundUp = remainder > 0x1000 || (remainder === 0x1000 && (truncated & 1) === 1);
  // A carry into the exponent is correct too, up to and including overflow to Infinity (0x7c00).
  return sign | (truncated + (roundUp ? 1 : 0));
}

/** binary16 bits → float32 bits; exact (every binary16 value is a float32 value). */
export function float16BitsToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent === 0) {
    if (mantissa === 0) return sign >>> 0;
    // Subnormal: normalise so the leading 1 becomes the implicit bit of a float32 normal.
    let floatExponent = 127 - 15 + 1;
    while ((mantissa & 0x400) === 0) {
      mantissa <<= 1;
      floatExponent--;
    }
    return (sign | (floatExponent << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exponent + 127 - 15) << 23) | (mantissa << 13)) >>> 0;
}

/**
 * float32 bits → bfloat16 bits (the top half of the float32), rounding to nearest with ties to
 * even as PyTorch does. NaN keeps its sign and top payload bits with the quiet bit set, so it can
 * never round into Infinity.
 */
export function float32BitsToBfloat16Bits(bits: number): number {
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  // Adding 0x7fff plus the lowest kept bit rounds half-way cases to the even neighbour.
  return ((bits >>> 0) + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/** bfloat16 bits → float32 bits; exact. */
export function bfloat16BitsToFloat32Bits(half: number): number {
  return (half << 16) >>> 0;
}

let float16Table: Uint32Array | undefined;

/**
 * Decodes binary16 values into float32 bit patterns through a 65,536-entry table (256 KiB, built
 * on first use), so a large F16 checkpoint costs one lookup per element.
 */
export function decodeFloat16(halves: Uint16Array, output: Uint32Array): void {
  if (float16Table === undefined) {
    float16Table = new Uint32Array(65536);
    for (let half = 0; half < 65536; half++) float16Table[half] = float16BitsToFloat32Bits(half);
  }
  const table = float16Table;
  for (let i = 0; i < halves.length; i++) output[i] = table[halves[i]!]!;
}

/** Decodes bfloat16 values into float32 bit patterns. */
export function decodeBfloat16(halves: Uint16Array, output: Uint32Array): void {
  for (let i = 0; i < halves.length; i++) output[i] = halves[i]! << 16;
}

/** Encodes float32 bit patterns as binary16 (round to nearest, ties to even). */
export function encodeFloat16(floats: Uint32Array, output: Uint16Array): void {
  for (let i = 0; i < floats.length; i++) output[i] = float32BitsToFloat16Bits(floats[i]!);
}

/** Encodes float32 bit patterns as bfloat16 (round to nearest, ties to even). */
export function encodeBfloat16(floats: Uint32Array, output: Uint16Array): void {
  for (let i = 0; i < floats.length; i++) output[i] = float32BitsToBfloat16Bits(floats[i]!);
}
