import * as tf from '@tensorflow/tfjs-core';
import { fusedGelu, fusedGeluAvailable } from '../fused/gelu.js';
import { Module } from './module.js';

/** Activation functions, elementwise unless an axis is given. */

export const relu = (x: tf.Tensor): tf.Tensor => tf.relu(x);

/** GELU. 'exact' is 0.5·x·(1 + erf(x/√2)); 'tanh' is GPT-2's approximation (HF 'gelu_new'). */
export function gelu(x: tf.Tensor, approximation: 'exact' | 'tanh' = 'exact'): tf.Tensor {
  // One kernel forward and one backward where the backend has them (torch); else composed ops.
  if (fusedGeluAvailable()) return tf.tidy(() => fusedGelu(x, approximation));
  return tf.tidy(() => {
    if (approximation === 'tanh') {
      // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
      const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
  });
}

/** SiLU / swish: x·σ(x). */
export const silu = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
export const tanh = (x: tf.Tensor): tf.Tensor => tf.tanh(x);
export const sigmoid = (x: tf.Tensor): tf.Tensor => tf.sigmoid(x);
export const softmax = (x: tf.Tensor, axis = -1): tf.Tensor => tf.softmax(x, axis);
export const logSoftmax = (x: tf.Tensor, axis = -1): tf.Tensor => tf.logSoftmax(x, axis);

export type ActivationName = 'relu' | 'gelu' | 'gelu-tanh' | 'silu' | 'tanh' | 'sigmoid' | 'identity';

const activationFunctions: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  relu,
  gelu: (x) => gelu(x, 'exact'),
  'gelu-tanh': (x) => gelu(x, 'tanh'),
  silu,
  tanh,
  sigmoid,
  identity: (x) => x,
};

/** An activation as a module, for `Sequential`. */
export class Activation extends Module<[tf.Tensor], tf.Tensor> {
  private readonly apply: (x: tf.Tensor) => tf.Tensor;

  constructor(readonly activation: ActivationName) {
    super();
    this.apply = activationFunctions[activation];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.apply(x);
  }
}
