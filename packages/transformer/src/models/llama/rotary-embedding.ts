import { tf } from '@tessera/core';
import type { RopeScaling } from './llama-config.js';

/**
 * Rotary position embeddings (Su et al. 2021) in Hugging Face's convention: a head's first and
 * second halves form the pairs that rotate (`rotate_half`), not adjacent elements as in the
 * paper, so checkpoints converted for transformers work unchanged.
 *
 * The frequencies and angles are computed in JavaScript, rounded to float32 at every step as
 * PyTorch computes them in float32 (modeling_rope_utils), so the angles match transformers' to
 * the last bit or so even at large positions, where an angle of thousands of radians carries a
 * float32 rounding of ~1e-4 that a float64 computation would not share.
 */

const f32 = Math.fround;

/**
 * θ_i = 1 / base^(2i / headSize) for i < headSize / 2, then `scaling` applied:
 * `_compute_default_rope_parameters`, `_compute_linear_scaling_rope_parameters` and
 * `_compute_llama3_parameters` of transformers' modeling_rope_utils.py.
 */
export function ropeInverseFrequencies(headSize: number, theta: number, scaling?: RopeScaling): Float32Array {
  const half = headSize / 2;
  const frequencies = new Float32Array(half);
  for (let i = 0; i < half; i++) frequencies[i] = f32(1 / f32(f32(theta) ** f32((2 * i) / headSize)));
  if (scaling === undefined) return frequencies;
  const factor = f32(scaling.factor);
  if (scaling.type === 'linear') return frequencies.map((frequency) => f32(frequency / factor));
  const { lowFrequencyFactor: low, highFrequencyFactor: high, originalMaxPositionEmbeddings: original } = scaling;
  const lowFrequencyWavelength = original / low; // longer than this: divided by factor
  const highFrequencyWavelength = original / high; // shorter than this: unchanged
  return frequencies.map((frequency) => {
    const wavelength = f32(f32(2 * Math.PI) / frequency);
    if (wavelength < highFrequencyWavelength) return frequency;
    const divided = f32(frequency / factor);
    if (wavelength > lowFrequencyWavelength) return divided;
    // Between the two: interpolate from divided (long wavelengths) to unchanged (short ones).
    const smooth = f32(f32(f32(original / wavelength) - f32(low)) / f32(high - low));
    return f32(f32(f32(f32(1 - smooth) * frequency) / factor) + f32(smooth * frequency));
  });
}

/** The rotation angles of a model: its inverse frequencies, turned into cos/sin tables per position range. */
export class RotaryEmbedding {
  readonly inverseFrequencies: Float32Array; // [headSize / 2]

  constructor(headSize: number, theta: number, scaling?: RopeScaling) {
    this.inverseFrequencies = ropeInverseFrequencies(headSize, theta, scaling);
  }

  /** cos and sin of position · θ_i for positions start … start + count − 1: [count, headSize / 2] each. */
  angles(start: number, count: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
    const half = this.inverseFrequencies.length;
    const cos = new Float32Array(count * half);
    const sin = new Float32Array(count * half);
    for (let row = 0; row < count; row++) {
      const position = f32(start + row);
      for (let i = 0; i < half; i++) {
        const angle = f32(position * (this.inverseFrequencies[i] as number));
        cos[row * half + i] = Math.cos(angle);
        sin[row * half + i] = Math.sin(angle);
      }
    }
    return { cos: tf.tensor2d(cos, [count, half]), sin: tf.tensor2d(sin, [count, half]) };
  }
}

/**
 * Rotates each head's (first half, second half) pairs by the position's angles:
 * x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁], i.e. [x₁·cos − x₂·sin, x₂·cos + x₁·sin].
 * x [batch, heads, time, headSize]; cos, sin [time, headSize / 2] → [batch, heads, time, headSize].
 */
export function applyRotaryEmbedding(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [batch, heads, time, headSize] = x.shape as [number, number, number, number];
    const half = headSize / 2;
    const first = tf.slice(x, [0, 0, 0, 0], [batch, heads, time, half]);
    const second = tf.slice(x, [0, 0, 0, half], [batch, heads, time, half]);
    return tf.concat(
      [tf.sub(tf.mul(first, cos), tf.mul(second, sin)), tf.add(tf.mul(second, cos), tf.mul(first, sin))],
      3,
    );
  });
}
