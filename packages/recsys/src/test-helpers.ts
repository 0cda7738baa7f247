import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRatings, type Ratings } from './data/ratings.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The unpacked MovieLens 100K beside the checkout (tests and benchmarks only; never shipped). */
export const MOVIELENS_100K_DIRECTORY = join(here, '../../../../shared/data/ml-100k');

export interface ReferenceValues {
  ratings: Array<{ userId: string; itemId: string; rating: number }>;
  globalMean: number;
  baselineAls: { userBiases: number[]; itemBiases: number[] };
  baselineSgd: { userBiases: number[]; itemBiases: number[] };
  svd: {
    factors: number;
    epochs: number;
    initialUserFactors: number[];
    initialItemFactors: number[];
    userBiases: number[];
    itemBiases: number[];
    userFactors: number[];
    itemFactors: number[];
  };
  userSimilarities: Record<string, number[]>;
  itemSimilarities: Record<string, number[]>;
  knn: {
    neighbours: number;
    pairs: Array<[string, string]>;
    variants: Array<{ prediction: string; basedOn: string; similarity: string; predictions: number[] }>;
  };
  ranking: Array<{
    k: number;
    ranked: number[];
    relevant: number[];
    precision: number;
    recall: number;
    ndcg: number;
    averagePrecision: number;
    averagePrecisionOverRelevant: number;
  }>;
  linearSystem: { matrix: number[]; vector: number[]; solution: number[] };
}

/** Values computed by fixtures/generate_reference_values.py (numpy, scikit-learn). */
export const reference: ReferenceValues = JSON.parse(
  readFileSync(join(here, 'fixtures', 'reference-values.json'), 'utf8'),
);

export function referenceRatings(): Ratings {
  return createRatings(reference.ratings);
}

/** Expects two arrays to agree element-wise within `tolerance`. */
export function maximumDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let index = 0; index < actual.length; index++) {
    worst = Math.max(worst, Math.abs((actual[index] as number) - (expected[index] as number)));
  }
  return worst;
}

/**
 * Synthetic implicit data with two taste groups: users 0…(users/2 − 1) interact with items of
 * the first half, the rest with the second half, each with a fraction `density` of their half.
 */
export function blockInteractions(users: number, items: number, density: number, seed = 1): Ratings {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const rows: Array<{ userId: string; itemId: string; rating: number }> = [];
  for (let user = 0; user < users; user++) {
    const group = user < users / 2 ? 0 : 1;
    for (let item = group * (items / 2); item < (group + 1) * (items / 2); item++) {
      if (random() < density) rows.push({ userId: `user${user}`, itemId: `item${item}`, rating: 1 });
    }
  }
  return createRatings(rows);
}
