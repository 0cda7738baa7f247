import { describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { maximumDifference, reference, referenceRatings } from '../test-helpers.js';
import { BaselinePredictor } from './baseline.js';
import { BiasedMatrixFactorization } from './biased-matrix-factorization.js';
import { NeighbourhoodModel, type NeighbourhoodPrediction } from './neighbourhood.js';
import { computeSimilarities, type SimilarityName } from './similarities.js';

const matrix = RatingMatrix.fromRatings(referenceRatings(), { scale: { minimum: 1, maximum: 5 } });

describe('BaselinePredictor (Surprise BaselineOnly)', () => {
  it('ALS biases match the numpy reference of baseline_als (reg_i 10, reg_u 15, 10 epochs)', () => {
    const model = new BaselinePredictor().fit(matrix);
    expect(matrix.globalMean).toBeCloseTo(reference.globalMean, 12);
    expect(maximumDifference(model.userBiases, reference.baselineAls.userBiases)).toBeLessThan(1e-12);
    expect(maximumDifference(model.itemBiases, reference.baselineAls.itemBiases)).toBeLessThan(1e-12);
    expect(model.epochSeconds).toHaveLength(10);
  });

  it('SGD biases match the numpy reference of baseline_sgd (lr 0.005, reg 0.02, 20 epochs)', () => {
    const model = new BaselinePredictor({ method: 'sgd' }).fit(matrix);
    expect(maximumDifference(model.userBiases, reference.baselineSgd.userBiases)).toBeLessThan(1e-12);
    expect(maximumDifference(model.itemBiases, reference.baselineSgd.itemBiases)).toBeLessThan(1e-12);
  });

  it('predicts μ + b_u + b_i, drops the bias of an unknown id, and clips to the rating scale', () => {
    const model = new BaselinePredictor().fit(matrix);
    const user = matrix.users.index('u0');
    const item = matrix.items.index(reference.ratings[0]?.itemId as string);
    const expected =
      reference.globalMean +
      (reference.baselineAls.userBiases[user] as number) +
      (reference.baselineAls.itemBiases[item] as number);
    expect(model.predict('u0', reference.ratings[0]?.itemId as string)).toBeCloseTo(expected, 12);
    expect(model.predict('stranger', 'unknown item')).toBeCloseTo(reference.globalMean, 12);
    expect(model.predict('u0', 'unknown item')).toBeCloseTo(
      reference.globalMean + (reference.baselineAls.userBiases[user] as number),
      12,
    );
    model.userBiases[user] = 100;
    expect(model.predict('u0', 'unknown item')).toBe(5);
  });

  it('rejects an unknown method', () => {
    expect(() => new BaselinePredictor({ method: 'svd' as never })).toThrow(/E_RECSYS_OPTION/);
  });
});

describe('BiasedMatrixFactorization (Surprise SVD)', () => {
  it('reproduces the numpy SGD of Surprise SVD from the same initial factors, update for update', () => {
    const { svd } = reference;
    const model = new BiasedMatrixFactorization({ factors: svd.factors, epochs: svd.epochs }).fit(matrix, {
      initialFactors: { users: svd.initialUserFactors, items: svd.initialItemFactors },
    });
    expect(maximumDifference(model.userBiases, svd.userBiases)).toBeLessThan(1e-12);
    expect(maximumDifference(model.itemBiases, svd.itemBiases)).toBeLessThan(1e-12);
    expect(maximumDifference(model.userFactors, svd.userFactors)).toBeLessThan(1e-12);
    expect(maximumDifference(model.itemFactors, svd.itemFactors)).toBeLessThan(1e-12);
  });

  it('has Surprise SVD defaults and falls back to μ plus the known bias for unknown ids', () => {
    const model = new BiasedMatrixFactorization().fit(matrix);
    expect(model.options).toMatchObject({
      factors: 100,
      epochs: 20,
      learningRate: 0.005,
      regularization: 0.02,
      initStandardDeviation: 0.1,
    });
    expect(model.epochSeconds).toHaveLength(20);
    const user = matrix.users.index('u1');
    expect(model.predict('u1', 'unknown')).toBeCloseTo(
      matrix.clip(matrix.globalMean + (model.userBiases[user] as number)),
      12,
    );
    expect(model.predict('nobody', 'unknown')).toBeCloseTo(matrix.globalMean, 12);
  });

  it('is repeatable for a seed and validates its options', () => {
    const first = new BiasedMatrixFactorization({ factors: 4, seed: 3 }).fit(matrix);
    const second = new BiasedMatrixFactorization({ factors: 4, seed: 3 }).fit(matrix);
    expect(Array.from(first.userFactors)).toEqual(Array.from(second.userFactors));
    expect(() => new BiasedMatrixFactorization({ factors: 0 })).toThrow(/E_RECSYS_OPTION/);
    expect(() => new BiasedMatrixFactorization().fit(matrix, { initialFactors: { users: [1], items: [1] } })).toThrow(
      /E_RECSYS_OPTION/,
    );
  });
});

describe('similarities (Surprise sim_options)', () => {
  it.each(['cosine', 'msd', 'pearson', 'pearson-baseline'] as SimilarityName[])(
    'user-based %s matches the numpy reference',
    (name) => {
      const baselines = new BaselinePredictor().fit(matrix);
      const similarities = computeSimilarities(matrix.byItem, matrix.userCount, name, {
        baselines: {
          globalMean: matrix.globalMean,
          rowBiases: baselines.userBiases,
          columnBiases: baselines.itemBiases,
        },
      });
      expect(maximumDifference(similarities, reference.userSimilarities[name] as number[])).toBeLessThan(1e-6);
    },
  );

  it.each(['cosine', 'msd', 'pearson'] as SimilarityName[])('item-based %s matches the numpy reference', (name) => {
    const similarities = computeSimilarities(matrix.byUser, matrix.itemCount, name);
    expect(maximumDifference(similarities, reference.itemSimilarities[name] as number[])).toBeLessThan(1e-6);
  });

  it('rejects an unknown name and pearson-baseline without baselines', () => {
    expect(() => computeSimilarities(matrix.byItem, matrix.userCount, 'jaccard' as never)).toThrow(/E_RECSYS_OPTION/);
    expect(() => computeSimilarities(matrix.byItem, matrix.userCount, 'pearson-baseline')).toThrow(/baselines/);
  });
});

describe('NeighbourhoodModel (Surprise KNNBasic / KNNWithMeans / KNNBaseline)', () => {
  it.each(
    reference.knn.variants.map(
      (variant) => [`${variant.basedOn} ${variant.prediction} ${variant.similarity}`, variant] as const,
    ),
  )('%s predicts every unrated pair as the numpy reference', (_, variant) => {
    const model = new NeighbourhoodModel({
      basedOn: variant.basedOn as 'user' | 'item',
      prediction: variant.prediction as NeighbourhoodPrediction,
      similarity: variant.similarity as SimilarityName,
      neighbours: reference.knn.neighbours,
    }).fit(matrix);
    const predictions = reference.knn.pairs.map(([user, item]) => model.predict(user, item));
    expect(maximumDifference(predictions, variant.predictions)).toBeLessThan(1e-6);
  });

  it("defaults to Surprise's KNNWithMeans (user-based, MSD, k 40, min_k 1) and predicts μ for unknown ids", () => {
    const model = new NeighbourhoodModel().fit(matrix);
    expect(model.options).toMatchObject({
      basedOn: 'user',
      similarity: 'msd',
      prediction: 'mean-centred',
      neighbours: 40,
      minimumNeighbours: 1,
    });
    expect(model.predict('nobody', 'i0')).toBeCloseTo(matrix.globalMean, 12);
  });
});

describe('Recommender API', () => {
  it('recommend leaves out rated items, sorts by score, and checks ids and k', () => {
    const model = new BiasedMatrixFactorization({ factors: 4 }).fit(matrix);
    const rated = new Set(reference.ratings.filter((row) => row.userId === 'u2').map((row) => row.itemId));
    const list = model.recommend('u2', 10);
    expect(list).toHaveLength(matrix.itemCount - rated.size);
    for (const entry of list) expect(rated.has(entry.itemId)).toBe(false);
    for (let index = 1; index < list.length; index++)
      expect(list[index - 1]?.score).toBeGreaterThanOrEqual(list[index]?.score as number);
    for (const entry of list) expect(entry.score).toBeCloseTo(model.predict('u2', entry.itemId), 5);
    expect(model.recommend('u2', 10, { excludeSeen: false })).toHaveLength(matrix.itemCount);
    expect(() => model.recommend('nobody', 3)).toThrow(/E_RECSYS_UNKNOWN_ID/);
    expect(() => model.recommend('u2', 0)).toThrow(/E_RECSYS_K/);
  });

  it('similarItems ranks by cosine of item factors and leaves the item out', () => {
    const model = new BiasedMatrixFactorization({ factors: 4 }).fit(matrix);
    const similar = model.similarItems('i0', 3);
    expect(similar).toHaveLength(3);
    expect(similar.map((entry) => entry.itemId)).not.toContain('i0');
    const factors = (item: string) => {
      const index = matrix.items.index(item);
      return Array.from(model.itemFactors.subarray(index * 4, index * 4 + 4));
    };
    const cosine = (a: number[], b: number[]) =>
      a.reduce((total, value, index) => total + value * (b[index] as number), 0) /
      Math.sqrt(
        a.reduce((total, value) => total + value * value, 0) * b.reduce((total, value) => total + value * value, 0),
      );
    for (const entry of similar) expect(entry.score).toBeCloseTo(cosine(factors('i0'), factors(entry.itemId)), 5);
  });

  it('an untrained model says so', () => {
    expect(() => new BaselinePredictor().recommend('u0', 1)).toThrow(/E_RECSYS_NOT_FITTED/);
  });
});
