import { describe, expect, it } from 'vitest';
import { reference } from '../test-helpers.js';
import { catalogueCoverage, rankingMetrics, userRankingMetrics } from './ranking-metrics.js';
import { meanAbsoluteRatingError, rootMeanSquaredRatingError } from './rating-metrics.js';

describe('rating metrics', () => {
  it('RMSE and MAE by hand', () => {
    expect(rootMeanSquaredRatingError([3, 4, 5], [4, 4, 3])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanAbsoluteRatingError([3, 4, 5], [4, 4, 3])).toBeCloseTo(1, 12);
    expect(() => rootMeanSquaredRatingError([1], [1, 2])).toThrow(/E_RECSYS_METRIC/);
  });
});

describe('ranking metrics', () => {
  it.each(reference.ranking.map((entry, index) => [index, entry] as const))(
    'case %i matches precision/recall/AP by formula and NDCG from sklearn.metrics.ndcg_score',
    (_, entry) => {
      const metrics = userRankingMetrics(entry.ranked, new Set(entry.relevant), entry.k);
      expect(metrics.precision).toBeCloseTo(entry.precision, 12);
      expect(metrics.recall).toBeCloseTo(entry.recall, 12);
      expect(metrics.ndcg).toBeCloseTo(entry.ndcg, 10);
      expect(metrics.averagePrecision).toBeCloseTo(entry.averagePrecision, 12);
      const overRelevant = userRankingMetrics(entry.ranked, new Set(entry.relevant), entry.k, {
        averagePrecisionDenominator: 'relevant',
      });
      expect(overRelevant.averagePrecision).toBeCloseTo(entry.averagePrecisionOverRelevant, 12);
    },
  );

  it('a hand-worked list: hits at ranks 1 and 3 of 3, two relevant items', () => {
    const metrics = userRankingMetrics(['a', 'b', 'c'], new Set(['a', 'c']), 3);
    expect(metrics.precision).toBeCloseTo(2 / 3, 12);
    expect(metrics.recall).toBe(1);
    expect(metrics.ndcg).toBeCloseTo((1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)), 12);
    expect(metrics.averagePrecision).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(metrics.hit).toBe(1);
  });

  it('averages over users with both a list and relevant items; coverage counts distinct recommended items', () => {
    const rankings = new Map([
      ['u1', ['a', 'b']],
      ['u2', ['c', 'd']],
      ['u3', ['a', 'e']],
    ]);
    const relevant = new Map([
      ['u1', new Set(['a'])],
      ['u2', new Set(['x'])],
      ['u4', new Set(['a'])],
    ]);
    const metrics = rankingMetrics(rankings, relevant, 2);
    expect(metrics.users).toBe(2);
    expect(metrics.precisionAtK).toBeCloseTo(0.25, 12);
    expect(metrics.hitRate).toBeCloseTo(0.5, 12);
    expect(catalogueCoverage(rankings.values(), 10)).toBeCloseTo(0.5, 12);
    expect(catalogueCoverage(rankings.values(), 10, 1)).toBeCloseTo(0.2, 12);
    expect(() => rankingMetrics(new Map(), relevant, 2)).toThrow(/E_RECSYS_METRIC/);
    expect(() => userRankingMetrics(['a'], new Set(), 1)).toThrow(/no relevant items/);
    expect(() => userRankingMetrics(['a'], new Set(['a']), 0)).toThrow(/E_RECSYS_K/);
  });
});
