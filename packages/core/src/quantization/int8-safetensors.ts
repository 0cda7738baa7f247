import * as tf from '@tensorflow/tfjs-core';
import { tensorFromBytes } from '../checkpoint/safetensors-bytes.js';
import { encodeTensorValues, storageDtypeFor } from '../checkpoint/safetensors-dtype.js';
import {
  layoutSafetensors,
  parseHeader,
  parseHeaderLength,
  SAFETENSORS_LENGTH_PREFIX_BYTES,
  type SafetensorsTensorInfo,
  type TensorLayoutEntry,
} from '../checkpoint/safetensors-header.js';
import { TesseraError } from '../errors.js';
import { dequantizeInt8PerChannel, normalizeChannelAxis, quantizeInt8PerChannel } from './int8-per-channel.js';

/**
 * Int8 weights in an ordinary safetensors file: each quantized tensor `w` is stored as `w` (I8)
 * plus `w.scale` (F32, one per channel), and the `__metadata__` key `tessera.quantization` names
 * them with their channel axes, so any safetensors reader can list the file and Tessera (Node or
 * browser) turns it back into float32 tensors. tfjs has no int8 tensors and no int8 matmul on any
 * backend, so weights are dequantized once on load: the gain is a ~4x smaller file to ship and
 * download, not faster arithmetic.
 */

export const INT8_QUANTIZATION_SCHEME = 'int8-symmetric-per-channel';
const METADATA_KEY = 'tessera.quantization';
const SCALE_SUFFIX = '.scale';

/** Decides per tensor: a channel axis to quantize along, or undefined to keep it as it is. */
export type QuantizationRule = (name: string, tensor: tf.Tensor) => number | undefined;

/**
 * The default rule: float32 weight matrices and filters (rank ≥ 2, ≥ 1024 elements) along their
 * last (output) axis. Biases, normalization parameters and other vectors stay float32: they are
 * tiny and sensitive. Embedding tables are better quantized per row: pass a rule that returns 0
 * for them (transformer's exportGpt does).
 */
export const defaultQuantizationRule: QuantizationRule = (_name, tensor) =>
  tensor.dtype === 'float32' && tensor.rank >= 2 && tensor.size >= 1024 ? -1 : undefined;

/** What a quantized file holds: per quantized tensor its channel axis and shape, and the sizes. */
export interface QuantizationSummary {
  scheme: typeof INT8_QUANTIZATION_SCHEME;
  tensors: Record<string, { axis: number; shape: number[] }>;
  /** Bytes of the stored tensor data if everything were float32 (as the unquantized export). */
  floatBytes: number;
  /** Bytes of the stored tensor data as written (int8 codes + float32 scales + untouched tensors). */
  storedBytes: number;
}

/** Serializes tensors to safetensors bytes, quantizing those the rule picks to int8. */
export function serializeInt8Safetensors(
  tensors: Record<string, tf.Tensor>,
  rule: QuantizationRule = defaultQuantizationRule,
): { bytes: Uint8Array; summary: QuantizationSummary } {
  const entries: TensorLayoutEntry[] = [];
  const payloads = new Map<string, Uint8Array>();
  const summary: QuantizationSummary = { scheme: INT8_QUANTIZATION_SCHEME, tensors: {}, floatBytes: 0, storedBytes: 0 };
  for (const [name, tensor] of Object.entries(tensors)) {
    if (typeof (tensor as Partial<tf.Tensor> | null)?.dataSync !== 'function' || tensor.isDisposed) {
      throw new TesseraError('E_QUANTIZATION_INPUT', `value for '${name}' is not a live tf.Tensor`);
    }
    summary.floatBytes += tensor.size * 4;
    const axis = rule(name, tensor);
    if (axis === undefined) {
      const dtype = storageDtypeFor(name, tensor.dtype, 'F32');
      entries.push({ name, dtype, shape: tensor.shape });
      payloads.set(name, encodeTensorValues(tensor.dataSync(), dtype));
      continue;
    }
    if (tensor.dtype !== 'float32') {
      throw new TesseraError(
        'E_QUANTIZATION_INPUT',
        `'${name}' is ${tensor.dtype}; only float32 tensors can be quantized`,
      );
    }
    const scaleName = `${name}${SCALE_SUFFIX}`;
    if (scaleName in tensors) {
      throw new TesseraError(
        'E_QUANTIZATION_INPUT',
        `cannot quantize '${name}': its scale would be stored as '${scaleName}', which is already a tensor name`,
      );
    }
    const quantized = quantizeInt8PerChannel(tensor.dataSync() as Float32Array, tensor.shape, axis, `'${name}'`);
    entries.push({ name, dtype: 'I8', shape: tensor.shape });
    entries.push({ name: scaleName, dtype: 'F32', shape: [quantized.scales.length] });
    payloads.set(name, new Uint8Array(quantized.values.buffer));
    payloads.set(scaleName, encodeTensorValues(quantized.scales, 'F32'));
    summary.tensors[name] = { axis: quantized.axis, shape: [...tensor.shape] };
  }
  const axes = Object.fromEntries(Object.entries(summary.tensors).map(([name, { axis }]) => [name, axis]));
  const layout = layoutSafetensors(entries, {
    [METADATA_KEY]: JSON.stringify({ scheme: INT8_QUANTIZATION_SCHEME, axes }),
  });
  const bytes = new Uint8Array(layout.prefix.length + layout.byteBufferLength);
  bytes.set(layout.prefix, 0);
  for (const info of layout.tensors) {
    bytes.set(payloads.get(info.name) as Uint8Array, layout.prefix.length + info.byteOffsets[0]);
  }
  summary.storedBytes = layout.byteBufferLength;
  return { bytes, summary };
}

/** The channel axis of each quantized tensor, from the file's metadata ({} for a float file). */
function readQuantizedAxes(metadata: Record<string, string>): Record<string, number> {
  const text = metadata[METADATA_KEY];
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as { scheme?: unknown; axes?: unknown };
    if (parsed.scheme !== INT8_QUANTIZATION_SCHEME) throw new Error(`scheme ${String(parsed.scheme)}`);
    const axes = parsed.axes as Record<string, unknown>;
    if (typeof axes !== 'object' || axes === null) throw new Error('no axes');
    for (const axis of Object.values(axes)) if (!Number.isInteger(axis)) throw new Error('axis not an integer');
    return axes as Record<string, number>;
  } catch (error) {
    throw new TesseraError(
      'E_QUANTIZATION_FORMAT',
      `safetensors metadata '${METADATA_KEY}' is not a ${INT8_QUANTIZATION_SCHEME} description (${(error as Error).message}); the file was not written by Tessera's int8 export`,
    );
  }
}

/**
 * Parses safetensors bytes into float32/int32/bool tensors, dequantizing int8 tensors described in
 * the file's metadata. A file without quantization metadata loads like `deserializeSafetensors`.
 * Returns the quantized names with their axes too. Creates no tensors when it fails.
 */
export function deserializeInt8Safetensors(bytes: Uint8Array): {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
  quantized: Record<string, number>;
} {
  const headerByteLength = parseHeaderLength(bytes.subarray(0, SAFETENSORS_LENGTH_PREFIX_BYTES), bytes.length);
  const header = parseHeader(
    bytes.subarray(SAFETENSORS_LENGTH_PREFIX_BYTES, SAFETENSORS_LENGTH_PREFIX_BYTES + headerByteLength),
    bytes.length,
  );
  const quantized = readQuantizedAxes(header.metadata);
  const byName = new Map(header.tensors.map((info) => [info.name, info]));
  const slice = (info: SafetensorsTensorInfo) =>
    bytes.slice(header.byteBufferOffset + info.byteOffsets[0], header.byteBufferOffset + info.byteOffsets[1]);
  const scaleNames = new Set(Object.keys(quantized).map((name) => `${name}${SCALE_SUFFIX}`));
  const created: [string, tf.Tensor][] = [];
  try {
    for (const info of header.tensors) {
      if (scaleNames.has(info.name)) continue;
      const axis = quantized[info.name];
      created.push([
        info.name,
        axis === undefined ? tensorFromBytes(info, slice(info)) : dequantizeEntry(info, axis, byName, slice),
      ]);
    }
  } catch (error) {
    for (const [, tensor] of created) tensor.dispose();
    throw error;
  }
  for (const name of Object.keys(quantized)) {
    if (!byName.has(name)) {
      for (const [, tensor] of created) tensor.dispose();
      throw new TesseraError(
        'E_QUANTIZATION_FORMAT',
        `metadata lists quantized tensor '${name}', which the file lacks`,
      );
    }
  }
  return { tensors: Object.fromEntries(created), metadata: header.metadata, quantized };
}

/** One int8 tensor and its scales → a float32 tensor. */
function dequantizeEntry(
  info: SafetensorsTensorInfo,
  axis: number,
  byName: Map<string, SafetensorsTensorInfo>,
  slice: (info: SafetensorsTensorInfo) => Uint8Array,
): tf.Tensor {
  const resolvedAxis = normalizeChannelAxis(axis, info.shape.length, `'${info.name}'`);
  const scaleInfo = byName.get(`${info.name}${SCALE_SUFFIX}`);
  const channels = info.shape[resolvedAxis] as number;
  if (info.dtype !== 'I8' || scaleInfo === undefined || scaleInfo.dtype !== 'F32') {
    throw new TesseraError(
      'E_QUANTIZATION_FORMAT',
      `quantized tensor '${info.name}' must be I8 with an F32 '${info.name}${SCALE_SUFFIX}' beside it (found ${info.dtype}, scale ${scaleInfo?.dtype ?? 'missing'})`,
    );
  }
  if (scaleInfo.shape.length !== 1 || scaleInfo.shape[0] !== channels) {
    throw new TesseraError(
      'E_QUANTIZATION_FORMAT',
      `'${info.name}${SCALE_SUFFIX}' has shape [${scaleInfo.shape.join(', ')}]; expected [${channels}] (one scale per channel of axis ${axis})`,
    );
  }
  const codes = slice(info);
  const scaleBytes = slice(scaleInfo);
  const scaleView = new DataView(scaleBytes.buffer, scaleBytes.byteOffset, scaleBytes.byteLength);
  const scales = Float32Array.from({ length: channels }, (_, channel) => scaleView.getFloat32(4 * channel, true));
  const values = dequantizeInt8PerChannel({
    values: new Int8Array(codes.buffer, codes.byteOffset, codes.length),
    scales,
    shape: info.shape,
    axis: resolvedAxis,
  });
  return tf.tensor(values, info.shape, 'float32');
}
