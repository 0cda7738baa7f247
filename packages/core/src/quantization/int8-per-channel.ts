import { TesseraError } from '../errors.js';

/**
 * Symmetric int8 quantization with one float32 scale per channel (post-training, weights only):
 *   scale[c] = max |w[..., c, ...]| / 127   (1 for an all-zero channel, so it stays exactly zero)
 *   q = clamp(roundHalfAwayFromZero(w / scale[c]), -127, 127)
 *   dequantized = q * scale[c]
 * so every element is off by at most scale[c] / 2. -128 is never used, which keeps the range
 * symmetric (negating a weight negates its code). `axis` is the channel axis: the output axis of
 * a weight, i.e. the last axis of a Linear weight [in, out] or a Conv2d filter [h, w, in, out],
 * and axis 0 of an embedding table [vocabulary, embedding] (one scale per token row).
 */
export interface Int8Quantized {
  /** The int8 codes, in the tensor's row-major order. */
  values: Int8Array;
  /** One scale per channel, [shape[axis]]. */
  scales: Float32Array;
  shape: number[];
  /** The channel axis (non-negative). */
  axis: number;
}

const QUANTIZED_MAXIMUM = 127;

/** Resolves a possibly negative axis against a rank, with a clear error when it is out of range. */
export function normalizeChannelAxis(axis: number, rank: number, name = 'tensor'): number {
  const resolved = axis < 0 ? rank + axis : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new TesseraError(
      'E_QUANTIZATION_AXIS',
      `channel axis ${axis} is out of range for ${name} of rank ${rank}; use an axis in [${-rank}, ${rank - 1}]`,
    );
  }
  return resolved;
}

/** Strides to walk the channel axis: element i belongs to channel floor(i / inner) % channels. */
function channelLayout(shape: readonly number[], axis: number): { channels: number; inner: number } {
  const channels = shape[axis] as number;
  const inner = shape.slice(axis + 1).reduce((product, dimension) => product * dimension, 1);
  return { channels, inner };
}

function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.floor(Math.abs(value) + 0.5);
}

/** Quantizes float values of `shape` per channel along `axis` (default: the last axis). */
export function quantizeInt8PerChannel(
  values: Float32Array,
  shape: readonly number[],
  axis = -1,
  name = 'tensor',
): Int8Quantized {
  const size = shape.reduce((product, dimension) => product * dimension, 1);
  if (values.length !== size) {
    throw new TesseraError(
      'E_QUANTIZATION_INPUT',
      `${name} has ${values.length} values but shape [${shape.join(', ')}] needs ${size}`,
    );
  }
  const resolvedAxis = normalizeChannelAxis(axis, shape.length, name);
  const { channels, inner } = channelLayout(shape, resolvedAxis);
  const maxima = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      throw new TesseraError(
        'E_QUANTIZATION_INPUT',
        `${name} holds a non-finite value (${value}) at element ${i}; a model with NaN/Infinity weights cannot be quantized — check the training run`,
      );
    }
    const channel = Math.floor(i / inner) % channels;
    const magnitude = Math.abs(value);
    if (magnitude > (maxima[channel] as number)) maxima[channel] = magnitude;
  }
  const scales = new Float32Array(channels);
  for (let channel = 0; channel < channels; channel++) {
    const maximum = maxima[channel] as number;
    scales[channel] = maximum > 0 ? maximum / QUANTIZED_MAXIMUM : 1;
  }
  const quantized = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const scale = scales[Math.floor(i / inner) % channels] as number;
    const code = roundHalfAwayFromZero((values[i] as number) / scale);
    quantized[i] = Math.max(-QUANTIZED_MAXIMUM, Math.min(QUANTIZED_MAXIMUM, code));
  }
  return { values: quantized, scales, shape: [...shape], axis: resolvedAxis };
}

/** The float32 values the int8 codes stand for: q * scale[channel]. */
export function dequantizeInt8PerChannel(quantized: Int8Quantized): Float32Array {
  const { values, scales, shape, axis } = quantized;
  const { channels, inner } = channelLayout(shape, normalizeChannelAxis(axis, shape.length));
  if (scales.length !== channels) {
    throw new TesseraError(
      'E_QUANTIZATION_INPUT',
      `expected ${channels} scales for channel axis ${axis} of shape [${shape.join(', ')}], got ${scales.length}`,
    );
  }
  const output = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    output[i] = (values[i] as number) * (scales[Math.floor(i / inner) % channels] as number);
  }
  return output;
}
