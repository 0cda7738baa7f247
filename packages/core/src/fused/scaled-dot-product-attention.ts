import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * softmax(query·keyᵀ·scale + mask)·value in one kernel, forward and backward, where the backend
 * has it (PyTorch's F.scaled_dot_product_attention without dropout).
 *   TesseraScaledDotProductAttention
 *     inputs { query [batch, heads, time, size], key [batch, heads, keys, size],
 *              value [batch, heads, keys, size], mask? (additive, broadcast to [batch, heads, time, keys]) }
 *     attrs { scale }
 *     -> [output [batch, heads, time, size], weights [batch, heads, time, keys]] (weights: the softmax)
 *   TesseraScaledDotProductAttentionGrad
 *     inputs { dy, query, key, value, weights }   attrs { scale }   -> [dquery, dkey, dvalue]
 * Composed in tfjs this is ~11 kernels forward and ~25 backward per layer (matMuls reshaped to 3-D
 * and back, the softmax gradient as four elementwise passes). The mask gets no gradient: it is a
 * constant (causal or padding), and the weights already carry its effect into the backward pass.
 */
export function fusedScaledDotProductAttentionAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.scaledDotProductAttention, FusedKernelName.scaledDotProductAttentionGrad);
}

export function fusedScaledDotProductAttention(
  query: tf.Tensor,
  key: tf.Tensor,
  value: tf.Tensor,
  mask: tf.Tensor | undefined,
  scale: number,
): tf.Tensor {
  const attention = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [queryInput, keyInput, valueInput, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const inputs: Record<string, tf.Tensor> = { query: queryInput, key: keyInput, value: valueInput };
    if (mask !== undefined) inputs.mask = mask;
    const [output, weights] = runFusedKernel(FusedKernelName.scaledDotProductAttention, inputs, { scale });
    save([queryInput, keyInput, valueInput, weights!]);
    return {
      value: output!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFusedKernel(
          FusedKernelName.scaledDotProductAttentionGrad,
          { dy, query: saved[0]!, key: saved[1]!, value: saved[2]!, weights: saved[3]! },
          { scale },
        ),
    };
  });
  return attention(query, key, value);
}
