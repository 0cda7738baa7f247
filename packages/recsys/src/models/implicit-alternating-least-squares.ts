import { createRandomGenerator, TesseraError } from '@tessera/core';
import type { RatingMatrix, SparseRows } from '../data/rating-matrix.js';
import { solveSymmetricPositiveDefinite } from './linear-algebra.js';
import { type FitOptions, factorCosine, type ModelArrays, Recommender, requireArray } from './recommender.js';

export interface ImplicitAlternatingLeastSquaresOptions {
  /** Latent dimension (default 64). */
  factors?: number;
  /** Alternations (user pass + item pass) (default 15). */
  epochs?: number;
  /** L2 regularisation λ (default 0.1). */
  regularization?: number;
  /** Confidence c = 1 + alpha · r of an observed interaction (default 10). */
  alpha?: number;
  /** Seed of the initial factors (default 0). */
  seed?: number;
}

/** The options with every default filled in. */
export type ResolvedImplicitAlternatingLeastSquaresOptions = Required<ImplicitAlternatingLeastSquaresOptions>;

/**
 * Weighted matrix factorization for implicit feedback (Hu, Koren & Volinsky 2008): minimise
 * Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²) over all pairs, where p_ui = 1 for an
 * observed interaction (0 otherwise) and c_ui = 1 + α·r_ui. Each half-epoch solves every user
 * exactly, x_u = (YᵀY + Yᵀ(C_u − I)Y + λI)⁻¹ Yᵀ C_u p_u, using the shared YᵀY so the cost is linear
 * in the interactions; then every item the same way. Scores x_uᵀy_i rank items.
 */
export class ImplicitAlternatingLeastSquares extends Recommender {
  readonly kind = 'implicit-alternating-least-squares';
  readonly options: ResolvedImplicitAlternatingLeastSquaresOptions;
  userFactors: Float64Array = new Float64Array(0); // [users, factors]
  itemFactors: Float64Array = new Float64Array(0); // [items, factors]

  constructor(options: ImplicitAlternatingLeastSquaresOptions = {}) {
    super();
    this.options = {
      factors: options.factors ?? 64,
      epochs: options.epochs ?? 15,
      regularization: options.regularization ?? 0.1,
      alpha: options.alpha ?? 10,
      seed: options.seed ?? 0,
    };
    if (!Number.isInteger(this.options.factors) || this.options.factors <= 0) {
      throw new TesseraError('E_RECSYS_OPTION', `factors must be a positive integer, got ${this.options.factors}`);
    }
    if (!(this.options.regularization > 0)) {
      throw new TesseraError('E_RECSYS_OPTION', `regularization must be positive, got ${this.options.regularization}`);
    }
  }

  fit(matrix: RatingMatrix, fitOptions: FitOptions = {}): this {
    const { factors, epochs } = this.options;
    const random = createRandomGenerator(this.options.seed);
    const userFactors = new Float64Array(matrix.userCount * factors);
    const itemFactors = new Float64Array(matrix.itemCount * factors);
    for (let index = 0; index < userFactors.length; index++) userFactors[index] = 0.01 * random.nextNormal();
    for (let index = 0; index < itemFactors.length; index++) itemFactors[index] = 0.01 * random.nextNormal();
    this.epochSeconds = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      this.solveSide(matrix.byUser, userFactors, itemFactors);
      this.solveSide(matrix.byItem, itemFactors, userFactors);
      const seconds = (performance.now() - started) / 1000;
      this.epochSeconds.push(seconds);
      fitOptions.onEpochEnd?.({ epoch, seconds });
    }
    this.trainedOn = matrix;
    this.userFactors = userFactors;
    this.itemFactors = itemFactors;
    return this;
  }

  /** Re-solves every row of `solved` with `fixed` held constant. */
  private solveSide(rows: SparseRows, solved: Float64Array, fixed: Float64Array): void {
    const { factors, regularization, alpha } = this.options;
    const fixedCount = fixed.length / factors;
    const gram = new Float64Array(factors * factors); // FᵀF, shared by every row
    for (let row = 0; row < fixedCount; row++) {
      const offset = row * factors;
      for (let a = 0; a < factors; a++) {
        const value = fixed[offset + a] as number;
        for (let b = 0; b <= a; b++)
          gram[a * factors + b] = (gram[a * factors + b] as number) + value * (fixed[offset + b] as number);
      }
    }
    const system = new Float64Array(factors * factors);
    const rightSide = new Float64Array(factors);
    const rowCount = rows.offsets.length - 1;
    for (let row = 0; row < rowCount; row++) {
      system.set(gram);
      rightSide.fill(0);
      for (let entry = rows.offsets[row] as number; entry < (rows.offsets[row + 1] as number); entry++) {
        const other = (rows.columns[entry] as number) * factors;
        const confidence = 1 + alpha * (rows.values[entry] as number);
        for (let a = 0; a < factors; a++) {
          const value = fixed[other + a] as number;
          rightSide[a] = (rightSide[a] as number) + confidence * value;
          const weighted = (confidence - 1) * value;
          for (let b = 0; b <= a; b++)
            system[a * factors + b] = (system[a * factors + b] as number) + weighted * (fixed[other + b] as number);
        }
      }
      for (let a = 0; a < factors; a++) {
        system[a * factors + a] = (system[a * factors + a] as number) + regularization;
        for (let b = 0; b < a; b++) system[b * factors + a] = system[a * factors + b] as number;
      }
      solveSymmetricPositiveDefinite(system, rightSide, factors);
      solved.set(rightSide, row * factors);
    }
  }

  predictIndex(user: number, item: number): number {
    if (user < 0 || item < 0) return 0;
    const { factors } = this.options;
    let score = 0;
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
    return {
      userFactors: { values: Float32Array.from(this.userFactors), shape: [this.userFactors.length / factors, factors] },
      itemFactors: { values: Float32Array.from(this.itemFactors), shape: [this.itemFactors.length / factors, factors] },
    };
  }

  restore(matrix: RatingMatrix, arrays: ModelArrays): void {
    const { factors } = this.options;
    this.userFactors = Float64Array.from(requireArray(arrays, 'userFactors', matrix.userCount * factors));
    this.itemFactors = Float64Array.from(requireArray(arrays, 'itemFactors', matrix.itemCount * factors));
    this.trainedOn = matrix;
  }
}
