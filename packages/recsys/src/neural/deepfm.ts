import { Embedding, Module, normal, type RandomGenerator, type Sequential, tf, zeros } from '@tessera/core';
import { multilayerPerceptron } from './multilayer-perceptron.js';
import type { FieldSlots, RecommendationBatch } from './recommendation-batch.js';

export interface DeepFMConfig {
  /** Size of the global feature-id space (FeatureEncoder.featureCount). */
  featureCount: number;
  /** Slot range of each field (FeatureEncoder.fieldSlots()). */
  fields: FieldSlots[];
  /** Embedding dimension shared by the FM and the deep tower (default 16). */
  embeddingDimension?: number;
  /** Hidden layer sizes of the deep tower (default [64, 32]). */
  hiddenSizes?: number[];
  /** Dropout after each hidden layer (default 0.1). */
  dropout?: number;
}

/** Pools each field's slots (a multi-valued field's values are already weighted 1/n) and concatenates the fields. */
export function poolFields(weighted: tf.Tensor, fields: readonly FieldSlots[]): tf.Tensor {
  return tf.tidy(() => {
    const [batch, , dimension] = weighted.shape as [number, number, number];
    const pooled = fields.map((field) =>
      field.end - field.start === 1
        ? tf.reshape(tf.slice(weighted, [0, field.start, 0], [batch, 1, dimension]), [batch, dimension])
        : tf.sum(tf.slice(weighted, [0, field.start, 0], [batch, field.end - field.start, dimension]), 1),
    ); // fields × [batch, dimension]
    return tf.concat(pooled, 1); // [batch, fields · dimension]
  });
}

/**
 * DeepFM (Guo et al. 2017): a factorization machine and a deep network sharing one embedding per
 * feature, summed into one logit,
 *   ŷ = w₀ + Σ w_j x_j + ½ Σ_f [(Σ_j v_jf x_j)² − Σ_j v_jf² x_j²] + MLP([pooled field embeddings]).
 * Features are the user id, the item id and their side fields (FeatureEncoder); the FM term is
 * computed in O(slots · dimension) with the square-of-sums identity.
 */
export class DeepFM extends Module<[RecommendationBatch], tf.Tensor> {
  readonly weights: Embedding; // first-order w_j
  readonly embeddings: Embedding; // v_j
  readonly bias: tf.Variable;
  readonly deep: Sequential;

  constructor(
    readonly config: DeepFMConfig,
    /** globalMean: the bias's starting value (the mean rating when predicting ratings, as MatrixFactorization). */
    options: { random?: RandomGenerator; globalMean?: number } = {},
  ) {
    super();
    const dimension = config.embeddingDimension ?? 16;
    this.weights = this.registerModule('weights', new Embedding(config.featureCount, 1, { initializer: zeros() }));
    this.embeddings = this.registerModule(
      'embeddings',
      new Embedding(config.featureCount, dimension, { initializer: normal(0.05), random: options.random }),
    );
    this.bias = this.registerParameter('bias', tf.scalar(options.globalMean ?? 0));
    this.deep = this.registerModule(
      'deep',
      multilayerPerceptron(
        config.fields.length * dimension,
        config.hiddenSizes ?? [64, 32],
        config.dropout ?? 0.1,
        options.random,
      ),
    );
  }

  forward(batch: RecommendationBatch): tf.Tensor {
    return tf.tidy(() => {
      const values = batch.featureValues; // [batch, slots]
      const firstOrder = tf.sum(tf.mul(tf.squeeze(this.weights.forward(batch.featureIds), [2]), values), 1); // [batch]
      const weighted = tf.mul(this.embeddings.forward(batch.featureIds), tf.expandDims(values, 2)); // [batch, slots, dimension]
      const sumSquared = tf.square(tf.sum(weighted, 1)); // [batch, dimension]
      const squaredSum = tf.sum(tf.square(weighted), 1); // [batch, dimension]
      const secondOrder = tf.mul(0.5, tf.sum(tf.sub(sumSquared, squaredSum), 1)); // [batch]
      const deep = tf.reshape(this.deep.forward(poolFields(weighted, this.config.fields)), [-1]); // [batch]
      return tf.add(tf.add(tf.add(firstOrder, secondOrder), deep), this.bias);
    });
  }
}
