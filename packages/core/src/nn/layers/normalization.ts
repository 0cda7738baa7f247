import * as tf from '@tensorflow/tfjs-core';
import { fusedLayerNorm, fusedLayerNormAvailable } from '../../fused/layer-norm.js';
import { ones, zeros } from '../initializers.js';
import { Module } from '../module.js';

export interface LayerNormOptions {
  /** Added to the variance for stability (default 1e-5, as PyTorch). */
  epsilon?: number;
  /** Learn a scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the shift (default true). */
  bias?: boolean;
}

/** Ba et al. (2016): normalise over the last axis with the biased variance, then scale and shift. */
export class LayerNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable | undefined; // [dimension]
  readonly bias: tf.Variable | undefined; // [dimension]
  readonly epsilon: number;

  constructor(
    readonly dimension: number,
    options: LayerNormOptions = {},
  ) {
    super();
    this.epsilon = options.epsilon ?? 1e-5;
    const affine = options.elementwiseAffine !== false;
    this.weight = affine ? this.registerParameter('weight', ones()([dimension], undefined as never)) : undefined;
    this.bias =
      affine && options.bias !== false
        ? this.registerParameter('bias', zeros()([dimension], undefined as never))
        : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    // One kernel forward and one backward where the backend has them (torch); else composed ops.
    if (fusedLayerNormAvailable()) return tf.tidy(() => fusedLayerNorm(x, this.weight, this.bias, this.epsilon));
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      if (this.weight !== undefined) y = tf.mul(y, this.weight);
      if (this.bias !== undefined) y = tf.add(y, this.bias);
      return y;
    });
  }
}

/** Zhang & Sennrich (2019): x / √(mean(x²) + ε) · weight, over the last axis (LLaMA-style). */
export class RMSNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable; // [dimension]

  constructor(
    readonly dimension: number,
    readonly epsilon = 1e-6,
  ) {
    super();
    this.weight = this.registerParameter('weight', ones()([dimension], undefined as never));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const meanSquare = tf.mean(tf.square(x), -1, true); // [..., 1]
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, this.epsilon))), this.weight);
    });
  }
}
