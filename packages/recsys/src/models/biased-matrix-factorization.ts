import { createRandomGenerator, TesseraError } from '@tessera/core';
import type { RatingMatrix } from '../data/rating-matrix.js';
import { type FitOptions, factorCosine, type ModelArrays, Recommender, requireArray } from './recommender.js';

export interface BiasedMatrixFactorizationOptions {
  /** Latent dimension (default 100). */
  factors?: number;
  /** Passes over the training ratings (default 20). */
  epochs?: number;
  /** Learning rate of every parameter (default 0.005). */
  learningRate?: number;
  /** L2 regularisation of every parameter (default 0.02). */
  regularization?: number;
  /** Learn user and item biases around the global mean (default true; false is PMF). */
  biased?: boolean;
  /** Factors start as N(initMean, initStandardDeviation²) (default 0 and 0.1). */
  initMean?: number;
  initStandardDeviation?: number;
  /** Seed of the initial factors (default 0). */
  seed?: number;
}

/** The options with every default filled in. */
export type ResolvedBiasedMatrixFactorizationOptions = Required<BiasedMatrixFactorizationOptions>;

/**
 * Biased matrix factorization trained by SGD, Funk's "SVD" as popularised in the Netflix Prize and
 * implemented by Surprise's `SVD`, whose defaults these are: r̂ = μ + b_u + b_i + q_iᵀp_u. Each
 * epoch visits the ratings user by user (Surprise's order, no shuffling) and for each computes
 * e = r − r̂, then b_u += γ(e − λb_u), b_i += γ(e − λb_i) and, factor by factor with the old
 * values, p_uf += γ(e·q_if − λp_uf), q_if += γ(e·p_uf − λq_if). Predictions are clipped to the
 * rating scale; an unknown user or item falls back to μ plus the known bias. Surprise reports
 * RMSE 0.934 on MovieLens 100K.
 */
export class BiasedMatrixFactorization extends Recommender {
  readonly kind = 'biased-matrix-factorization';
  readonly options: ResolvedBiasedMatrixFactorizationOptions;
  userBiases: Float64Array = new Float64Array(0); // [users]
  itemBiases: Float64Array = new Float64Array(0); // [items]
  userFactors: Float64Array = new Float64Array(0); // [users, factors]
  itemFactors: Float64Array = new Float64Array(0); // [items, factors]

  constructor(options: BiasedMatrixFactorizationOptions = {}) {
    super();
    this.options = {
      factors: options.factors ?? 100,
      epochs: options.epochs ?? 20,
      learningRate: options.learningRate ?? 0.005,
      regularization: options.regularization ?? 0.02,
      biased: options.biased ?? true,
      initMean: options.initMean ?? 0,
      initStandardDeviation: options.initStandardDeviation ?? 0.1,
      seed: options.seed ?? 0,
    };
    if (!Number.isInteger(this.options.factors) || this.options.factors <= 0) {
      throw new TesseraError('E_RECSYS_OPTION', `factors must be a positive integer, got ${this.options.factors}`);
    }
    if (!Number.isInteger(this.options.epochs) || this.options.epochs < 0) {
      throw new TesseraError('E_RECSYS_OPTION', `epochs must be a non-negative integer, got ${this.options.epochs}`);
    }
  }

  /**
   * Trains on `matrix`. `initialFactors` replaces the random start ([users, factors] and
   * [items, factors], row-major), e.g. to warm-start from another run.
   */
  fit(
    matrix: RatingMatrix,
    fitOptions: FitOptions & { initialFactors?: { users: ArrayLike<number>; items: ArrayLike<number> } } = {},
  ): this {
    const { factors, epochs, learningRate, regularization, biased, initMean, initStandardDeviation } = this.options;
    const random = createRandomGenerator(this.options.seed);
    const userFactors = new Float64Array(matrix.userCount * factors);
    const itemFactors = new Float64Array(matrix.itemCount * factors);
    for (let index = 0; index < userFactors.length; index++)
      userFactors[index] = initMean + initStandardDeviation * random.nextNormal();
    for (let index = 0; index < itemFactors.length; index++)
      itemFactors[index] = initMean + initStandardDeviation * random.nextNormal();
    const initial = fitOptions.initialFactors;
    if (initial !== undefined) {
      if (initial.users.length !== userFactors.length || initial.items.length !== itemFactors.length) {
        throw new TesseraError(
          'E_RECSYS_OPTION',
          `initialFactors need ${userFactors.length} user and ${itemFactors.length} item values (${matrix.userCount}×${factors}, ${matrix.itemCount}×${factors}), got ${initial.users.length} and ${initial.items.length}`,
        );
      }
      userFactors.set(initial.users);
      itemFactors.set(initial.items);
    }
    const userBiases = new Float64Array(matrix.userCount);
    const itemBiases = new Float64Array(matrix.itemCount);
    const mean = biased ? matrix.globalMean : 0;
    const { offsets, columns, values } = matrix.byUser;
    this.epochSeconds = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      let squaredErrors = 0;
      for (let user = 0; user < matrix.userCount; user++) {
        const userOffset = user * factors;
        for (let entry = offsets[user] as number; entry < (offsets[user + 1] as number); entry++) {
          const item = columns[entry] as number;
          const itemOffset = item * factors;
          let dot = 0;
          for (let f = 0; f < factors; f++)
            dot += (itemFactors[itemOffset + f] as number) * (userFactors[userOffset + f] as number);
          const error =
            (values[entry] as number) - (mean + (userBiases[user] as number) + (itemBiases[item] as number) + dot);
          squaredErrors += error * error;
          if (biased) {
            userBiases[user] =
              (userBiases[user] as number) + learningRate * (error - regularization * (userBiases[user] as number));
            itemBiases[item] =
              (itemBiases[item] as number) + learningRate * (error - regularization * (itemBiases[item] as number));
          }
          for (let f = 0; f < factors; f++) {
            const userFactor = userFactors[userOffset + f] as number;
            const itemFactor = itemFactors[itemOffset + f] as number;
            userFactors[userOffset + f] =
              userFactor + learningRate * (error * itemFactor - regularization * userFactor);
            itemFactors[itemOffset + f] =
              itemFactor + learningRate * (error * userFactor - regularization * itemFactor);
          }
        }
      }
      const seconds = (performance.now() - started) / 1000;
      this.epochSeconds.push(seconds);
      fitOptions.onEpochEnd?.({ epoch, seconds, loss: Math.sqrt(squaredErrors / Math.max(1, values.length)) });
    }
    this.trainedOn = matrix;
    Object.assign(this, { userBiases, itemBiases, userFactors, itemFactors });
    return this;
  }

  predictIndex(user: number, item: number): number {
    const matrix = this.matrix;
    const { factors, biased } = this.options;
    let estimate = biased ? matrix.globalMean : 0;
    if (biased && user >= 0) estimate += this.userBiases[user] as number;
    if (biased && item >= 0) estimate += this.itemBiases[item] as number;
    if (user >= 0 && item >= 0) {
      for (let f = 0; f < factors; f++) {
        estimate += (this.itemFactors[item * factors + f] as number) * (this.userFactors[user * factors + f] as number);
      }
    } else if (!biased) {
      estimate = matrix.globalMean; // PMF has nothing to say about an unknown id: Surprise's default prediction
    }
    return matrix.clip(estimate);
  }

  override itemSimilarities(item: number): Float32Array {
    return factorCosine(this.itemFactors, this.options.factors, item);
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }

  arrays(): ModelArrays {
    const { factors } = this.options;
    return {
      userBiases: { values: Float32Array.from(this.userBiases), shape: [this.userBiases.length] },
      itemBiases: { values: Float32Array.from(this.itemBiases), shape: [this.itemBiases.length] },
      userFactors: { values: Float32Array.from(this.userFactors), shape: [this.userBiases.length, factors] },
      itemFactors: { values: Float32Array.from(this.itemFactors), shape: [this.itemBiases.length, factors] },
    };
  }

  restore(matrix: RatingMatrix, arrays: ModelArrays): void {
    const { factors } = this.options;
    this.userBiases = Float64Array.from(requireArray(arrays, 'userBiases', matrix.userCount));
    this.itemBiases = Float64Array.from(requireArray(arrays, 'itemBiases', matrix.itemCount));
    this.userFactors = Float64Array.from(requireArray(arrays, 'userFactors', matrix.userCount * factors));
    this.itemFactors = Float64Array.from(requireArray(arrays, 'itemFactors', matrix.itemCount * factors));
    this.trainedOn = matrix;
  }
}
