import { TesseraError } from '@tessera/core';
import type { Ratings } from './data/ratings.js';
import {
  catalogueCoverage,
  type RankingMetricOptions,
  type RankingMetrics,
  rankingMetrics,
} from './metrics/ranking-metrics.js';
import { meanAbsoluteRatingError, rootMeanSquaredRatingError } from './metrics/rating-metrics.js';
import type { Recommender } from './models/recommender.js';

/** RMSE and MAE of a rating model on held-out ratings (unknown users and items included, as Surprise). */
export function evaluateRatings(model: Recommender, test: Ratings): { rmse: number; mae: number; count: number } {
  const indexed = model.matrix.index(test);
  const predictions = model.predictMany(indexed.userIndices, indexed.itemIndices);
  return {
    rmse: rootMeanSquaredRatingError(predictions, indexed.values),
    mae: meanAbsoluteRatingError(predictions, indexed.values),
    count: predictions.length,
  };
}

export interface TopNEvaluationOptions extends RankingMetricOptions {
  /** Length of each recommendation list (default 10). */
  k?: number;
  /** Held-out ratings below this are not relevant (default: every held-out interaction is). */
  relevanceThreshold?: number;
  /** Leave out items the user rated in training (default true, as recommenders' `remove_seen`). */
  excludeSeen?: boolean;
}

/**
 * Top-k ranking quality on held-out interactions: each test user known to the model gets a
 * list of k items (seen ones left out), scored against the items they interacted with in `test`.
 * Returns precision, recall, NDCG, MAP and hit rate at k (see `userRankingMetrics`) and the
 * catalogue coverage of the lists.
 */
export function evaluateTopN(
  model: Recommender,
  test: Ratings,
  options: TopNEvaluationOptions = {},
): RankingMetrics & { catalogueCoverage: number } {
  const k = options.k ?? 10;
  const threshold = options.relevanceThreshold ?? Number.NEGATIVE_INFINITY;
  const matrix = model.matrix;
  const relevant = new Map<number, Set<number>>();
  for (let row = 0; row < test.values.length; row++) {
    if ((test.values[row] as number) < threshold) continue;
    const user = matrix.users.indexOf(test.userIds[row] as string);
    if (user < 0) continue;
    const item = matrix.items.indexOf(test.itemIds[row] as string);
    let items = relevant.get(user);
    if (items === undefined) {
      items = new Set();
      relevant.set(user, items);
    }
    items.add(item < 0 ? -1 - row : item); // an item unseen in training can never be recommended, but it counts as relevant
  }
  if (relevant.size === 0) throw new TesseraError('E_RECSYS_METRIC', 'no test user is known to the model');
  const rankings = new Map<number, number[]>();
  for (const user of relevant.keys()) {
    const scores = model.scoreItems(user);
    if (options.excludeSeen !== false) for (const item of matrix.itemsOf(user)) scores[item] = Number.NEGATIVE_INFINITY;
    rankings.set(user, topIndices(scores, k));
  }
  return {
    ...rankingMetrics(rankings, relevant, k, options),
    catalogueCoverage: catalogueCoverage(rankings.values(), matrix.itemCount),
  };
}

function topIndices(scores: Float32Array, k: number): number[] {
  const order: number[] = [];
  for (let item = 0; item < scores.length; item++) if (scores[item] !== Number.NEGATIVE_INFINITY) order.push(item);
  // Partial selection: a full sort of ~2k items per user is cheap and keeps ties in index order.
  order.sort((first, second) => (scores[second] as number) - (scores[first] as number) || first - second);
  return order.slice(0, k);
}
