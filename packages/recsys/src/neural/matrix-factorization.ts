import { Embedding, Module, type Module as ModuleType, normal, type RandomGenerator, tf, zeros } from '@tessera/core';
import type { RecommendationBatch } from './recommendation-batch.js';

export interface MatrixFactorizationConfig {
  userCount: number;
  itemCount: number;
  /** Latent dimension (default 32). */
  factors?: number;
  /** Factors start N(0, initStandardDeviation²) (default 0.1, Surprise's). */
  initStandardDeviation?: number;
}

/**
 * Biased matrix factorization as a tfjs `Module`, r̂ = μ + b_u + b_i + p_uᵀq_i, so it trains
 * through `Trainer` with `ratingPredictionTask` (any optimizer, schedule, callbacks, checkpoints).
 * The typed-array `BiasedMatrixFactorization` is Surprise's exact SGD and much faster on a CPU;
 * this one is for composing with the rest of the kit. μ is a trainable scalar.
 */
export class MatrixFactorization extends Module<[RecommendationBatch], tf.Tensor> {
  readonly userFactors: Embedding;
  readonly itemFactors: Embedding;
  readonly userBiases: Embedding;
  readonly itemBiases: Embedding;
  readonly globalBias: tf.Variable;

  constructor(
    readonly config: MatrixFactorizationConfig,
    options: { random?: RandomGenerator; globalMean?: number } = {},
  ) {
    super();
    const factors = config.factors ?? 32;
    const initializer = normal(config.initStandardDeviation ?? 0.1);
    this.userFactors = this.registerModule(
      'userFactors',
      new Embedding(config.userCount, factors, { initializer, random: options.random }),
    );
    this.itemFactors = this.registerModule(
      'itemFactors',
      new Embedding(config.itemCount, factors, { initializer, random: options.random }),
    );
    this.userBiases = this.registerModule('userBiases', new Embedding(config.userCount, 1, { initializer: zeros() }));
    this.itemBiases = this.registerModule('itemBiases', new Embedding(config.itemCount, 1, { initializer: zeros() }));
    this.globalBias = this.registerParameter('globalBias', tf.scalar(options.globalMean ?? 0));
  }

  forward(batch: RecommendationBatch): tf.Tensor {
    return tf.tidy(() => {
      const users = this.userFactors.forward(batch.userIndices); // [batch, factors]
      const items = this.itemFactors.forward(batch.itemIndices); // [batch, factors]
      const interaction = tf.sum(tf.mul(users, items), 1); // [batch]
      const biases = tf.add(
        tf.reshape(this.userBiases.forward(batch.userIndices), [-1]),
        tf.reshape(this.itemBiases.forward(batch.itemIndices), [-1]),
      ); // [batch]
      return tf.add(tf.add(interaction, biases), this.globalBias);
    });
  }
}

export type AnyRecommendationModule = ModuleType<[RecommendationBatch], tf.Tensor>;
