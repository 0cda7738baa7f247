import { describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { selectRatings } from '../data/ratings.js';
import { evaluateTopN } from '../evaluation.js';
import { blockInteractions, maximumDifference, reference } from '../test-helpers.js';
import { BayesianPersonalizedRanking } from './bayesian-personalized-ranking.js';
import { ImplicitAlternatingLeastSquares } from './implicit-alternating-least-squares.js';
import { solveSymmetricPositiveDefinite } from './linear-algebra.js';

// Two taste groups: users of the first half only ever touch the first half of the items.
const interactions = blockInteractions(40, 30, 0.5);
const heldOut = Array.from({ length: interactions.values.length }, (_, row) => row).filter((row) => row % 5 === 0);
const kept = Array.from({ length: interactions.values.length }, (_, row) => row).filter((row) => row % 5 !== 0);
const matrix = RatingMatrix.fromRatings(selectRatings(interactions, kept));
const test = selectRatings(interactions, heldOut);

/** Share of a user's top 5 that falls in the user's own group. */
function inGroupShare(recommend: (user: string) => Array<{ itemId: string }>): number {
  let inGroup = 0;
  let total = 0;
  for (let user = 0; user < 40; user++) {
    for (const { itemId } of recommend(`user${user}`)) {
      const item = Number(itemId.slice(4));
      inGroup += user < 20 === item < 15 ? 1 : 0;
      total += 1;
    }
  }
  return inGroup / total;
}

describe('solveSymmetricPositiveDefinite', () => {
  it('matches numpy.linalg.solve', () => {
    const { matrix: system, vector, solution } = reference.linearSystem;
    const values = Float64Array.from(vector);
    solveSymmetricPositiveDefinite(Float64Array.from(system), values, vector.length);
    expect(maximumDifference(values, solution)).toBeLessThan(1e-10);
  });
});

describe('BayesianPersonalizedRanking', () => {
  it('learns the taste groups: held-out items rank high and recommendations stay in the group', () => {
    const losses: number[] = [];
    const model = new BayesianPersonalizedRanking({
      factors: 8,
      epochs: 60,
      learningRate: 0.05,
      regularization: 0.01,
    }).fit(matrix, {
      onEpochEnd: (report) => losses.push(report.loss as number),
    });
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * (losses[0] as number));
    expect(inGroupShare((user) => model.recommend(user, 5))).toBeGreaterThan(0.95);
    // A random top 5 of the ~24 unseen items holds one of a user's ~1.5 held-out items for ~30% of users.
    expect(evaluateTopN(model, test, { k: 5 }).hitRate).toBeGreaterThan(0.8);
    expect(model.epochSeconds).toHaveLength(60);
  });

  it('is repeatable for a seed', () => {
    const first = new BayesianPersonalizedRanking({ epochs: 2, seed: 5 }).fit(matrix);
    const second = new BayesianPersonalizedRanking({ epochs: 2, seed: 5 }).fit(matrix);
    expect(Array.from(first.itemFactors)).toEqual(Array.from(second.itemFactors));
  });
});

describe('ImplicitAlternatingLeastSquares', () => {
  it("solves each item's normal equations exactly after the last half-step", () => {
    const options = { factors: 4, epochs: 3, regularization: 0.5, alpha: 5 };
    const model = new ImplicitAlternatingLeastSquares(options).fit(matrix);
    const { userFactors, itemFactors } = model;
    // (XᵀC_iX + λI) y_i = XᵀC_i p_i over all users, written out densely here.
    for (const item of [0, 7, 20]) {
      const rated = new Map<number, number>();
      for (
        let entry = matrix.byItem.offsets[item] as number;
        entry < (matrix.byItem.offsets[item + 1] as number);
        entry++
      ) {
        rated.set(matrix.byItem.columns[entry] as number, matrix.byItem.values[entry] as number);
      }
      for (let a = 0; a < 4; a++) {
        let left = options.regularization * (itemFactors[item * 4 + a] as number);
        let right = 0;
        for (let user = 0; user < matrix.userCount; user++) {
          const confidence = 1 + options.alpha * (rated.get(user) ?? 0);
          let dot = 0;
          for (let b = 0; b < 4; b++)
            dot += (userFactors[user * 4 + b] as number) * (itemFactors[item * 4 + b] as number);
          left += confidence * (userFactors[user * 4 + a] as number) * dot;
          if (rated.has(user)) right += confidence * (userFactors[user * 4 + a] as number);
        }
        expect(left).toBeCloseTo(right, 8);
      }
    }
  });

  it('learns the taste groups', () => {
    const model = new ImplicitAlternatingLeastSquares({ factors: 2, epochs: 10, regularization: 1 }).fit(matrix);
    expect(inGroupShare((user) => model.recommend(user, 5))).toBeGreaterThan(0.95);
    // Rank 2 separates the groups but not items within a group: better than random (~0.3), not more.
    expect(evaluateTopN(model, test, { k: 5 }).hitRate).toBeGreaterThan(0.5);
    expect(() => new ImplicitAlternatingLeastSquares({ regularization: 0 })).toThrow(/E_RECSYS_OPTION/);
  });
});
