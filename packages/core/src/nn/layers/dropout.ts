import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';
import type { RandomGenerator } from '../../random/random-generator.js';
import { getGlobalRandom } from '../initializers.js';
import { Module } from '../module.js';

/**
 * Zeroes each element with probability `rate` in training mode and scales the rest by
 * 1/(1 − rate), so evaluation needs no rescaling. Masks come from a seeded generator, so a
 * seeded run drops the same elements every time.
 */
export class Dropout extends Module<[tf.Tensor], tf.Tensor> {
  private readonly random: RandomGenerator;

  constructor(
    readonly rate: number,
    options: { random?: RandomGenerator } = {},
  ) {
    super();
    if (!(rate >= 0 && rate < 1)) {
      throw new TesseraError('E_LAYER_CONFIG', `dropout rate must be in [0, 1), got ${rate}`);
    }
    this.random = options.random ?? getGlobalRandom();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.rate === 0) return x;
    return tf.dropout(x, this.rate, undefined, this.random.nextSeed());
  }
}
