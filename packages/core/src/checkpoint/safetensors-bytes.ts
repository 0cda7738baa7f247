import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import {
  decodeTensorBytes,
  encodeTensorValues,
  type SafetensorsFloatDtype,
  storageDtypeFor,
} from './safetensors-dtype.js';
import {
  layoutSafetensors,
  parseHeader,
  parseHeaderLength,
  SAFETENSORS_LENGTH_PREFIX_BYTES,
  type SafetensorsLayout,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';

/** What a safetensors file holds, as tfjs tensors. The caller owns (and must dispose) the tensors. */
export interface SafetensorsContents {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
}

/** Options for `saveSafetensors` and `serializeSafetensors`. */
export interface SafetensorsSaveOptions {
  /** String key/value pairs stored as `__metadata__` (e.g. `{ format: 'pt' }`). Default: none. */
  metadata?: Record<string, string>;
  /**
   * How float32 tensors are stored: `'F32'` (default, exact), `'F16'` or `'BF16'` (half the bytes,
   * rounded to nearest, ties to even), for all of them or chosen per tensor by a function, e.g.
   * `(name) => (name.endsWith('.weight') ? 'BF16' : 'F32')`. int32 and bool tensors are unaffected.
   */
  floatDtype?: SafetensorsFloatDtype | ((name: string, tensor: tf.Tensor) => SafetensorsFloatDtype);
}

/** The layout of a file to write, with each tensor's storage dtype decided and checked. */
export interface SafetensorsWritePlan extends SafetensorsLayout {
  /** The tensor for each entry of `tensors`, in write order. */
  sources: tf.Tensor[];
}

/**
 * Checks the tensors and decides every storage dtype before anything is written, so bad input
 * fails fast and never leaves partial output.
 */
export function planSafetensorsWrite(
  tensors: Record<string, tf.Tensor>,
  options: SafetensorsSaveOptions = {},
): SafetensorsWritePlan {
  const byName = new Map<string, tf.Tensor>();
  const entries = Object.entries(tensors).map(([name, tensor]) => {
    // Duck-typed rather than instanceof: a second copy of tfjs-core makes instanceof fail.
    if (typeof (tensor as Partial<tf.Tensor> | null)?.dataSync !== 'function') {
      throw new TesseraError('E_SAFETENSORS_INPUT', `value for '${name}' is not a tf.Tensor`);
    }
    if (tensor.isDisposed) {
      throw new TesseraError('E_SAFETENSORS_INPUT', `tensor '${name}' was disposed before it could be saved`);
    }
    const choice = options.floatDtype ?? 'F32';
    const floatDtype = typeof choice === 'function' ? choice(name, tensor) : choice;
    byName.set(name, tensor);
    return { name, dtype: storageDtypeFor(name, tensor.dtype, floatDtype), shape: tensor.shape };
  });
  const layout = layoutSafetensors(entries, options.metadata ?? {});
  return { ...layout, sources: layout.tensors.map((info) => byName.get(info.name)!) };
}

/** A tensor's stored bytes, checked against the length the plan reserved for it. */
export function encodePlannedTensor(info: SafetensorsTensorInfo, values: tf.TypedArray | string[]): Uint8Array {
  if (Array.isArray(values)) {
    throw new TesseraError(
      'E_SAFETENSORS_DTYPE',
      `tensor '${info.name}' holds strings, which safetensors cannot store`,
    );
  }
  const bytes = encodeTensorValues(values, info.dtype as 'F32' | 'F16' | 'BF16' | 'I32' | 'BOOL');
  const expected = info.byteOffsets[1] - info.byteOffsets[0];
  if (bytes.length !== expected) {
    throw new TesseraError(
      'E_SAFETENSORS_SHAPE',
      `tensor '${info.name}' produced ${bytes.length} bytes for shape [${info.shape.join(', ')}] (${expected} expected)`,
    );
  }
  return bytes;
}

/**
 * Serializes tensors to safetensors bytes in memory (e.g. a federated update to send).
 * Deterministic: the same tensors and options always give the same bytes. Layout as
 * `saveSafetensors`: tensors sorted by element size descending then name, header padded with
 * spaces to a multiple of 8 bytes.
 */
export function serializeSafetensors(tensors: Record<string, tf.Tensor>, options?: SafetensorsSaveOptions): Uint8Array {
  const plan = planSafetensorsWrite(tensors, options);
  const output = new Uint8Array(plan.prefix.length + plan.byteBufferLength);
  output.set(plan.prefix, 0);
  plan.tensors.forEach((info, index) => {
    const bytes = encodePlannedTensor(info, plan.sources[index]!.dataSync());
    output.set(bytes, plan.prefix.length + info.byteOffsets[0]);
  });
  return output;
}

/**
 * Parses safetensors bytes into tensors (F32/F16/BF16 → float32, I32/I64/U8 → int32, BOOL →
 * bool). Malformed input throws a `TesseraError` (`E_SAFETENSORS_*`) and creates no tensors.
 */
export function deserializeSafetensors(bytes: Uint8Array): SafetensorsContents {
  const headerByteLength = parseHeaderLength(bytes.subarray(0, SAFETENSORS_LENGTH_PREFIX_BYTES), bytes.length);
  const header = parseHeader(
    bytes.subarray(SAFETENSORS_LENGTH_PREFIX_BYTES, SAFETENSORS_LENGTH_PREFIX_BYTES + headerByteLength),
    bytes.length,
  );
  return createTensors(header.tensors, header.metadata, (info) =>
    // slice, not subarray: decoding may reuse the bytes in place, and must not touch the caller's.
    bytes.slice(header.byteBufferOffset + info.byteOffsets[0], header.byteBufferOffset + info.byteOffsets[1]),
  );
}

/**
 * Decodes each tensor from the bytes `read` returns for it. If one fails (e.g. an I64 out of
 * int32 range), the tensors already created are disposed so a failed load leaks nothing.
 */
export function createTensors(
  infos: SafetensorsTensorInfo[],
  metadata: Record<string, string>,
  read: (info: SafetensorsTensorInfo) => Uint8Array,
): SafetensorsContents {
  const created: [string, tf.Tensor][] = [];
  try {
    for (const info of infos) created.push([info.name, tensorFromBytes(info, read(info))]);
  } catch (error) {
    for (const [, tensor] of created) tensor.dispose();
    throw error;
  }
  // fromEntries defines own properties, so a tensor named "__proto__" stays an ordinary key.
  return { tensors: Object.fromEntries(created), metadata };
}

/** One tensor from its stored bytes (consumed: pass a private copy). */
export function tensorFromBytes(info: SafetensorsTensorInfo, bytes: Uint8Array): tf.Tensor {
  const { values, dtype } = decodeTensorBytes(info.name, info.dtype, bytes);
  return tf.tensor(values, info.shape, dtype);
}
