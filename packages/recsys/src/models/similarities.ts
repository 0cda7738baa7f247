import { TesseraError } from '@tessera/core';
import type { SparseRows } from '../data/rating-matrix.js';

/** Surprise's similarity measures (`sim_options.name`). */
export type SimilarityName = 'cosine' | 'msd' | 'pearson' | 'pearson-baseline';
export const SIMILARITY_NAMES: readonly SimilarityName[] = ['cosine', 'msd', 'pearson', 'pearson-baseline'];

export interface SimilarityOptions {
  /** Pairs with fewer common ratings get similarity 0 (Surprise's `min_support`, default 1). */
  minimumSupport?: number;
  /** pearson-baseline: shrinks a similarity from n common ratings by (n − 1) / (n − 1 + shrinkage) (default 100). */
  shrinkage?: number;
  /** pearson-baseline: the baselines μ, b_x (rows being compared) and b_y (their co-rated columns). */
  baselines?: { globalMean: number; rowBiases: ArrayLike<number>; columnBiases: ArrayLike<number> };
}

/**
 * The similarity between every pair of "rows" (users for user-based CF, items for item-based)
 * over the columns both rated, Surprise's definitions computed the way Surprise does — from the
 * co-ratings of each column — so the values match it:
 *
 * - cosine:  Σ r_a r_b / √(Σ r_a² · Σ r_b²)
 * - msd:     1 / (Σ (r_a − r_b)² / n + 1)      (mean squared difference, turned into a similarity)
 * - pearson: (n Σ r_a r_b − Σ r_a Σ r_b) / √((n Σ r_a² − (Σ r_a)²)(n Σ r_b² − (Σ r_b)²))
 * - pearson-baseline: the Pearson-like correlation of baseline residuals r − (μ + b_x + b_y),
 *   without re-centring, shrunk by (n − 1) / (n − 1 + shrinkage)
 *
 * sums running over the n common columns. `columns` lists, for each column, the rows that rated
 * it (for user-based CF: each item's raters). Returns the symmetric [rows, rows] matrix with a unit
 * diagonal; a pair with fewer than `minimumSupport` common columns, or a zero denominator, gets 0.
 */
export function computeSimilarities(
  columns: SparseRows,
  rowCount: number,
  name: SimilarityName,
  options: SimilarityOptions = {},
): Float32Array {
  if (!SIMILARITY_NAMES.includes(name)) {
    throw new TesseraError(
      'E_RECSYS_OPTION',
      `unknown similarity '${name}'; use one of ${SIMILARITY_NAMES.join(', ')}`,
    );
  }
  const minimumSupport = options.minimumSupport ?? 1;
  const shrinkage = options.shrinkage ?? 100;
  const baselines = options.baselines;
  if (name === 'pearson-baseline' && baselines === undefined) {
    throw new TesseraError('E_RECSYS_OPTION', 'pearson-baseline similarity needs baselines (μ, row and column biases)');
  }
  // Sums over the upper triangle (a < b), packed: pair (a, b) sits at a·n − a(a+1)/2 + b − a − 1.
  const pairs = (rowCount * (rowCount - 1)) / 2;
  const frequency = new Float64Array(pairs);
  const products = new Float64Array(pairs);
  const squaresA = new Float64Array(pairs);
  const squaresB = new Float64Array(pairs);
  const sumsA = name === 'pearson' ? new Float64Array(pairs) : undefined;
  const sumsB = name === 'pearson' ? new Float64Array(pairs) : undefined;
  const columnCount = columns.offsets.length - 1;
  let rows = new Int32Array(16);
  let ratings = new Float64Array(16);
  for (let column = 0; column < columnCount; column++) {
    const start = columns.offsets[column] as number;
    const end = columns.offsets[column + 1] as number;
    const count = end - start;
    if (count > rows.length) {
      rows = new Int32Array(count * 2);
      ratings = new Float64Array(count * 2);
    }
    // Sort the column's entries by row so every pair comes out with a < b.
    const order = Array.from({ length: count }, (_, index) => start + index).sort(
      (first, second) => (columns.columns[first] as number) - (columns.columns[second] as number),
    );
    for (let position = 0; position < count; position++) {
      const entry = order[position] as number;
      const row = columns.columns[entry] as number;
      rows[position] = row;
      let rating = columns.values[entry] as number;
      if (baselines !== undefined && name === 'pearson-baseline') {
        rating -=
          baselines.globalMean + (baselines.rowBiases[row] as number) + (baselines.columnBiases[column] as number);
      }
      ratings[position] = rating;
    }
    for (let first = 0; first < count; first++) {
      const a = rows[first] as number;
      const ratingA = ratings[first] as number;
      const base = a * rowCount - (a * (a + 1)) / 2 - a - 1;
      for (let second = first + 1; second < count; second++) {
        const b = rows[second] as number;
        if (b === a) continue; // a repeated rating of the same column by one row is not a pair
        const ratingB = ratings[second] as number;
        const pair = base + b;
        frequency[pair] = (frequency[pair] as number) + 1;
        if (name === 'msd') {
          const difference = ratingA - ratingB;
          squaresA[pair] = (squaresA[pair] as number) + difference * difference;
          continue;
        }
        products[pair] = (products[pair] as number) + ratingA * ratingB;
        squaresA[pair] = (squaresA[pair] as number) + ratingA * ratingA;
        squaresB[pair] = (squaresB[pair] as number) + ratingB * ratingB;
        if (sumsA !== undefined && sumsB !== undefined) {
          sumsA[pair] = (sumsA[pair] as number) + ratingA;
          sumsB[pair] = (sumsB[pair] as number) + ratingB;
        }
      }
    }
  }
  const similarities = new Float32Array(rowCount * rowCount);
  for (let a = 0; a < rowCount; a++) {
    similarities[a * rowCount + a] = 1;
    const base = a * rowCount - (a * (a + 1)) / 2 - a - 1;
    for (let b = a + 1; b < rowCount; b++) {
      const pair = base + b;
      const n = frequency[pair] as number;
      let similarity = 0;
      if (n >= minimumSupport && n > 0) {
        if (name === 'msd') similarity = 1 / ((squaresA[pair] as number) / n + 1);
        else if (name === 'cosine') {
          similarity = safeDivide(
            products[pair] as number,
            Math.sqrt((squaresA[pair] as number) * (squaresB[pair] as number)),
          );
        } else if (name === 'pearson') {
          const sumA = (sumsA as Float64Array)[pair] as number;
          const sumB = (sumsB as Float64Array)[pair] as number;
          const numerator = n * (products[pair] as number) - sumA * sumB;
          const denominator = Math.sqrt(
            (n * (squaresA[pair] as number) - sumA * sumA) * (n * (squaresB[pair] as number) - sumB * sumB),
          );
          similarity = safeDivide(numerator, denominator);
        } else {
          const correlation = safeDivide(
            products[pair] as number,
            Math.sqrt((squaresA[pair] as number) * (squaresB[pair] as number)),
          );
          similarity = ((n - 1) / (n - 1 + shrinkage)) * correlation;
        }
      }
      similarities[a * rowCount + b] = similarity;
      similarities[b * rowCount + a] = similarity;
    }
  }
  return similarities;
}

function safeDivide(numerator: number, denominator: number): number {
  return denominator > 0 && Number.isFinite(denominator) ? numerator / denominator : 0;
}
