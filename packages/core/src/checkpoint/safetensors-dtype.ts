import type * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import { decodeBfloat16, decodeFloat16, encodeBfloat16, encodeFloat16 } from './half-precision.js';

/**
 * The safetensors dtypes with whole-byte elements and their sizes in bytes. Headers with any of
 * these parse (so `readSafetensorsHeader` can describe any such file); only
 * `LOADABLE_SAFETENSORS_DTYPES` can become tfjs tensors.
 */
export const SAFETENSORS_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
} as const;

/** A safetensors element type, as written in the header's `dtype` field. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** The float storage types `saveSafetensors` can write a float32 tensor as. */
export type SafetensorsFloatDtype = 'F32' | 'F16' | 'BF16';

/**
 * The dtypes Tessera loads and what they become: floats → float32, I64 (range-checked) and U8 →
 * int32, BOOL → bool. tfjs has no other element types, so the rest would lose meaning silently.
 */
export const LOADABLE_SAFETENSORS_DTYPES = ['F32', 'F16', 'BF16', 'I32', 'I64', 'U8', 'BOOL'] as const;

export type LoadableSafetensorsDtype = (typeof LOADABLE_SAFETENSORS_DTYPES)[number];

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(SAFETENSORS_DTYPE_SIZES, value);
}

function isLoadable(dtype: SafetensorsDtype): dtype is LoadableSafetensorsDtype {
  return (LOADABLE_SAFETENSORS_DTYPES as readonly string[]).includes(dtype);
}

/** Typed-array views read the host's byte order; safetensors is little-endian. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `elementSize`-byte group in place (only needed on big-endian hosts). */
function swapByteOrder(bytes: Uint8Array, elementSize: number): void {
  if (HOST_IS_LITTLE_ENDIAN || elementSize === 1) return;
  for (let start = 0; start < bytes.length; start += elementSize) {
    bytes.subarray(start, start + elementSize).reverse();
  }
}

/** Values ready for `tf.tensor(values, shape, dtype)`. */
export interface DecodedTensorValues {
  values: Float32Array | Int32Array | Uint8Array;
  dtype: 'float32' | 'int32' | 'bool';
}

/**
 * Turns one tensor's stored little-endian bytes into tfjs values. `bytes` is consumed: it may be
 * reinterpreted or byte-swapped in place to avoid a copy, so pass a private copy.
 */
export function decodeTensorBytes(name: string, dtype: SafetensorsDtype, bytes: Uint8Array): DecodedTensorValues {
  if (!isLoadable(dtype)) {
    throw new TesseraError(
      'E_SAFETENSORS_DTYPE',
      `tensor '${name}' has dtype ${dtype}, which Tessera cannot load (supported: ${LOADABLE_SAFETENSORS_DTYPES.join(', ')}); convert it before saving, e.g. to F32 or I32`,
    );
  }
  const elementSize = SAFETENSORS_DTYPE_SIZES[dtype];
  // Typed-array views need an aligned start; a subarray of a larger buffer may not have one.
  const own = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  swapByteOrder(own, elementSize);
  const count = own.length / elementSize;
  switch (dtype) {
    case 'F32':
      return { values: new Float32Array(own.buffer, own.byteOffset, count), dtype: 'float32' };
    case 'I32':
      return { values: new Int32Array(own.buffer, own.byteOffset, count), dtype: 'int32' };
    case 'F16':
    case 'BF16': {
      const halves = new Uint16Array(own.buffer, own.byteOffset, count);
      const values = new Float32Array(count);
      (dtype === 'F16' ? decodeFloat16 : decodeBfloat16)(halves, new Uint32Array(values.buffer));
      return { values, dtype: 'float32' };
    }
    case 'I64':
      return { values: narrowInt64(name, new Int32Array(own.buffer, own.byteOffset, count * 2)), dtype: 'int32' };
    case 'U8':
      return { values: Int32Array.from(own), dtype: 'int32' };
    case 'BOOL':
      // Any non-zero byte is true (as in PyTorch and numpy); tfjs expects exactly 0 or 1.
      return { values: own.map((byte) => (byte === 0 ? 0 : 1)), dtype: 'bool' };
  }
}

/**
 * I64 → int32 as (low, high) 32-bit word pairs: a value fits int32 exactly when its high word is
 * the sign extension of its low word. This avoids a BigInt per element.
 */
function narrowInt64(name: string, words: Int32Array): Int32Array {
  const output = new Int32Array(words.length / 2);
  for (let i = 0; i < output.length; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    if (high !== low >> 31) {
      const value = (BigInt(high) << 32n) | BigInt(low >>> 0);
      throw new TesseraError(
        'E_SAFETENSORS_RANGE',
        `tensor '${name}' (I64) holds ${value} at element ${i}, outside the int32 range [-2147483648, 2147483647] that tfjs supports; store it as I32 or rescale it before saving`,
      );
    }
    output[i] = low;
  }
  return output;
}

/**
 * The safetensors dtype a tfjs tensor is stored as: int32 → I32, bool → BOOL, float32 → the chosen
 * float storage (F32 unless the caller asked for F16/BF16). complex64 and string have no
 * safetensors counterpart.
 */
export function storageDtypeFor(
  name: string,
  dtype: tf.DataType,
  floatDtype: SafetensorsFloatDtype,
): 'F32' | 'F16' | 'BF16' | 'I32' | 'BOOL' {
  if (dtype === 'float32') {
    if (floatDtype !== 'F32' && floatDtype !== 'F16' && floatDtype !== 'BF16') {
      throw new TesseraError(
        'E_SAFETENSORS_DTYPE',
        `float storage '${String(floatDtype)}' chosen for tensor '${name}' is not one of F32, F16, BF16`,
      );
    }
    return floatDtype;
  }
  if (dtype === 'int32') return 'I32';
  if (dtype === 'bool') return 'BOOL';
  throw new TesseraError(
    'E_SAFETENSORS_DTYPE',
    `tensor '${name}' has tfjs dtype ${dtype}, which safetensors cannot store; only float32, int32 and bool tensors can be saved`,
  );
}

/**
 * Encodes a tensor's values (from `tensor.data()`) as little-endian bytes of `storageDtype`.
 * Where no conversion is needed the result is a view of `values` itself (no copy).
 */
export function encodeTensorValues(
  values: tf.TypedArray,
  storageDtype: 'F32' | 'F16' | 'BF16' | 'I32' | 'BOOL',
): Uint8Array {
  if (storageDtype === 'BOOL') return Uint8Array.from(values, (value) => (value ? 1 : 0));
  if (storageDtype === 'F16' || storageDtype === 'BF16') {
    const floats = values instanceof Float32Array ? values : Float32Array.from(values);
    const bits = new Uint32Array(floats.buffer, floats.byteOffset, floats.length);
    const halves = new Uint16Array(floats.length);
    (storageDtype === 'F16' ? encodeFloat16 : encodeBfloat16)(bits, halves);
    const bytes = new Uint8Array(halves.buffer);
    swapByteOrder(bytes, 2);
    return bytes;
  }
  const typed =
    storageDtype === 'F32'
      ? values instanceof Float32Array
        ? values
        : Float32Array.from(values)
      : values instanceof Int32Array
        ? values
        : Int32Array.from(values);
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  const bytes = new Uint8Array(typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength));
  swapByteOrder(bytes, 4);
  return bytes;
}
