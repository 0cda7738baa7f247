import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';
import { Module } from '../module.js';

export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  epsilon?: number;
  /** Weight of the new batch in the running averages (default 0.1, PyTorch's convention). */
  momentum?: number;
  /** Learn a scale and shift (default true). */
  affine?: boolean;
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over the last (channel) axis, for [batch, features]
 * and NHWC [batch, H, W, channels] alike — torch's BatchNorm1d/2d with channels last.
 * Training normalises with the batch's mean and biased variance and updates the running
 * statistics (with the unbiased variance, as PyTorch); evaluation uses the running statistics.
 * The running statistics are buffers: in the state dict, never trained.
 */
export class BatchNorm extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable | undefined; // [features]
  readonly bias: tf.Variable | undefined; // [features]
  readonly epsilon: number;
  readonly momentum: number;

  constructor(
    readonly features: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.epsilon = options.epsilon ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (options.affine !== false) {
      this.weight = this.registerParameter('weight', tf.ones([features]));
      this.bias = this.registerParameter('bias', tf.zeros([features]));
    }
    this.registerBuffer('running_mean', tf.zeros([features]));
    this.registerBuffer('running_var', tf.ones([features]));
  }

  get runningMean(): tf.Tensor {
    return this.getBuffer('running_mean');
  }

  get runningVariance(): tf.Tensor {
    return this.getBuffer('running_var');
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.features) {
      throw new TesseraError('E_LAYER_INPUT', `BatchNorm expects ${this.features} channels last, got [${x.shape}]`);
    }
    const axes = x.shape.slice(0, -1).map((_, axis) => axis); // every axis but channels
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (this.training) {
        ({ mean, variance } = tf.moments(x, axes));
        const count = x.size / this.features;
        if (count < 2) {
          throw new TesseraError('E_LAYER_INPUT', 'BatchNorm in training mode needs more than one value per channel');
        }
        // Nothing downstream of the loss reads the running statistics, so no gradient reaches them.
        const unbiased = tf.mul(variance, count / (count - 1));
        this.registerBuffer(
          'running_mean',
          tf.add(tf.mul(1 - this.momentum, this.runningMean), tf.mul(this.momentum, mean)),
        );
        this.registerBuffer(
          'running_var',
          tf.add(tf.mul(1 - this.momentum, this.runningVariance), tf.mul(this.momentum, unbiased)),
        );
      } else {
        mean = this.runningMean;
        variance = this.runningVariance;
      }
      let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      if (this.weight !== undefined && this.bias !== undefined) y = tf.add(tf.mul(y, this.weight), this.bias);
      return y;
    });
  }
}
