import { createRandomGenerator, TesseraError } from '@tessera/core';
import type { RatingMatrix } from '../data/rating-matrix.js';
import { type FitOptions, factorCosine, type ModelArrays, Recommender, requireArray } from './recommender.js';

export interface BayesianPersonalizedRankingOptions {
  /** Latent dimension (default 10, Cornac's). */
  factors?: number;
  /** Epochs; each draws as many triples as there are training interactions (default 100). */
  epochs?: number;
  /** SGD learning rate (default 0.001). */
  learningRate?: number;
  /** L2 regularisation of factors and item biases (default 0.01). */
  regularization?: number;
  /** Seed of the initial factors and of triple sampling (default 0). */
  seed?: number;
}

/** The options with every default filled in. */
export type ResolvedBayesianPersonalizedRankingOptions = Required<BayesianPersonalizedRankingOptions>;

/**
 * Bayesian Personalized Ranking (Rendle et al. 2009) with item biases, the way Cornac's `BPR`
 * trains it (the model behind microsoft/recommenders' BPR benchmark): every interaction counts
 * as positive regardless of its rating; each step samples a training pair (u, i) uniformly and an
 * item j uniformly, skips j when u interacted with it, and takes one SGD step on
 * ln σ(x̂_ui − x̂_uj) − λ‖Θ‖² with x̂_ui = b_i + p_uᵀq_i. Factors start U(−0.5, 0.5) / factors,
 * biases at 0. Scores rank items; they are not ratings.
 */
export class BayesianPersonalizedRanking extends Recommender {
  readonly kind = 'bayesian-personalized-ranking';
  readonly options: ResolvedBayesianPersonalizedRankingOptions;
  userFactors: Float64Array = new Float64Array(0); // [users, factors]
  itemFactors: Float64Array = new Float64Array(0); // [items, factors]
  itemBiases: Float64Array = new Float64Array(0); // [items]

  constructor(options: BayesianPersonalizedRankingOptions = {}) {
    super();
    this.options = {
      factors: options.factors ?? 10,
      epochs: options.epochs ?? 100,
      learningRate: options.learningRate ?? 0.001,
      regularization: options.regularization ?? 0.01,
      seed: options.seed ?? 0,
    };
    if (!Number.isInteger(this.options.factors) || this.options.factors <= 0) {
      throw new TesseraError('E_RECSYS_OPTION', `factors must be a positive integer, got ${this.options.factors}`);
    }
  }

  fit(matrix: RatingMatrix, fitOptions: FitOptions = {}): this {
    const { factors, epochs, learningRate, regularization } = this.options;
    const random = createRandomGenerator(this.options.seed);
    const userFactors = new Float64Array(matrix.userCount * factors);
    const itemFactors = new Float64Array(matrix.itemCount * factors);
    for (let index = 0; index < userFactors.length; index++) userFactors[index] = (random.nextFloat() - 0.5) / factors;
    for (let index = 0; index < itemFactors.length; index++) itemFactors[index] = (random.nextFloat() - 0.5) / factors;
    const itemBiases = new Float64Array(matrix.itemCount);
    const positives = positiveSets(matrix);
    const { userIndices, itemIndices } = matrix;
    const samples = userIndices.length;
    this.epochSeconds = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let used = 0;
      for (let sample = 0; sample < samples; sample++) {
        const pair = random.nextInt(samples);
        const user = userIndices[pair] as number;
        const positive = itemIndices[pair] as number;
        const negative = random.nextInt(matrix.itemCount);
        if ((positives[user] as Set<number>).has(negative)) continue;
        const userOffset = user * factors;
        const positiveOffset = positive * factors;
        const negativeOffset = negative * factors;
        let difference = (itemBiases[positive] as number) - (itemBiases[negative] as number);
        for (let f = 0; f < factors; f++) {
          difference +=
            (userFactors[userOffset + f] as number) *
            ((itemFactors[positiveOffset + f] as number) - (itemFactors[negativeOffset + f] as number));
        }
        lossSum += difference > 0 ? Math.log1p(Math.exp(-difference)) : -difference + Math.log1p(Math.exp(difference));
        used += 1;
        const z = 1 / (1 + Math.exp(difference)); // σ(−x̂_uij): the gradient of ln σ(x̂_uij)
        for (let f = 0; f < factors; f++) {
          const userFactor = userFactors[userOffset + f] as number;
          const positiveFactor = itemFactors[positiveOffset + f] as number;
          const negativeFactor = itemFactors[negativeOffset + f] as number;
          userFactors[userOffset + f] =
            userFactor + learningRate * (z * (positiveFactor - negativeFactor) - regularization * userFactor);
          itemFactors[positiveOffset + f] =
            positiveFactor + learningRate * (z * userFactor - regularization * positiveFactor);
          itemFactors[negativeOffset + f] =
            negativeFactor + learningRate * (-z * userFactor - regularization * negativeFactor);
        }
        itemBiases[positive] =
          (itemBiases[positive] as number) + learningRate * (z - regularization * (itemBiases[positive] as number));
        itemBiases[negative] =
          (itemBiases[negative] as number) + learningRate * (-z - regularization * (itemBiases[negative] as number));
      }
      const seconds = (performance.now() - started) / 1000;
      this.epochSeconds.push(seconds);
      fitOptions.onEpochEnd?.({ epoch, seconds, loss: lossSum / Math.max(1, used) });
    }
    this.trainedOn = matrix;
    Object.assign(this, { userFactors, itemFactors, itemBiases });
    return this;
  }

  predictIndex(user: number, item: number): number {
    if (item < 0) return 0;
    const { factors } = this.options;
    let score = this.itemBiases[item] as number;
    if (user < 0) return score;
    for (let f = 0; f < factors; f++)
      score += (this.userFactors[user * factors + f] as number) * (this.itemFactors[item * factors + f] as number);
    return score;
  }

  override itemSimilarities(item: number): Float32Array {
    return factorCosine(this.itemFactors, this.options.factors, item);
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }

  arrays(): ModelArrays {
    const { factors } = this.options;
    const users = this.userFactors.length / factors;
    const items = this.itemBiases.length;
    return {
      userFactors: { values: Float32Array.from(this.userFactors), shape: [users, factors] },
      itemFactors: { values: Float32Array.from(this.itemFactors), shape: [items, factors] },
      itemBiases: { values: Float32Array.from(this.itemBiases), shape: [items] },
    };
  }

  restore(matrix: RatingMatrix, arrays: ModelArrays): void {
    const { factors } = this.options;
    this.userFactors = Float64Array.from(requireArray(arrays, 'userFactors', matrix.userCount * factors));
    this.itemFactors = Float64Array.from(requireArray(arrays, 'itemFactors', matrix.itemCount * factors));
    this.itemBiases = Float64Array.from(requireArray(arrays, 'itemBiases', matrix.itemCount));
    this.trainedOn = matrix;
  }
}

/** Each user's interacted items, for rejecting sampled negatives. */
export function positiveSets(matrix: RatingMatrix): Set<number>[] {
  return Array.from({ length: matrix.userCount }, (_, user) => new Set(matrix.itemsOf(user)));
}
