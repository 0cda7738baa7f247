import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';
import { fusedEmbedding, fusedEmbeddingAvailable } from '../../fused/embedding.js';
import type { RandomGenerator } from '../../random/random-generator.js';
import { getGlobalRandom, type Initializer, normal } from '../initializers.js';
import { Module } from '../module.js';

export interface EmbeddingOptions {
  /** This id maps to a zero vector that receives no gradient (e.g. [PAD]). */
  paddingIndex?: number;
  /** Default N(0, 1), as PyTorch; GPT-2 uses N(0, 0.02²). */
  initializer?: Initializer;
  random?: RandomGenerator;
}

/** A lookup table: ids [...] → vectors [..., dimension]. */
export class Embedding extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable; // [count, dimension]
  readonly paddingIndex: number | undefined;

  constructor(
    readonly count: number,
    readonly dimension: number,
    options: EmbeddingOptions = {},
  ) {
    super();
    const { paddingIndex } = options;
    if (paddingIndex !== undefined && (!Number.isInteger(paddingIndex) || paddingIndex < 0 || paddingIndex >= count)) {
      throw new TesseraError('E_LAYER_CONFIG', `paddingIndex ${paddingIndex} is not an id in [0, ${count})`);
    }
    this.paddingIndex = paddingIndex;
    let initial = (options.initializer ?? normal(1))([count, dimension], options.random ?? getGlobalRandom());
    if (paddingIndex !== undefined) {
      const rowMask = tf.reshape(tf.oneHot([paddingIndex], count), [count, 1]);
      const masked = tf.mul(initial, tf.sub(1, rowMask));
      tf.dispose([initial, rowMask]);
      initial = masked;
    }
    this.weight = this.registerParameter('weight', initial);
  }

  forward(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') {
      throw new TesseraError(
        'E_LAYER_INPUT',
        `Embedding expects int32 ids, got ${ids.dtype}; cast with tf.cast(ids, 'int32')`,
      );
    }
    if (this.paddingIndex === undefined && fusedEmbeddingAvailable()) {
      return tf.tidy(() => fusedEmbedding(this.weight, ids));
    }
    return tf.tidy(() => {
      const flat = tf.reshape(ids, [-1]); // [tokens]
      let vectors = tf.gather(this.weight, flat); // [tokens, dimension]
      if (this.paddingIndex !== undefined) {
        // Multiplying by the mask also stops gradient flowing into the padding row.
        const keep = tf.cast(tf.notEqual(flat, this.paddingIndex), 'float32');
        vectors = tf.mul(vectors, tf.expandDims(keep, 1));
      }
      return tf.reshape(vectors, [...ids.shape, this.dimension]);
    });
  }
}
