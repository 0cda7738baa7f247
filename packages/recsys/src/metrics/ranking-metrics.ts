import { TesseraError } from '@tessera/core';

/**
 * Top-k metrics for one user with binary relevance, the definitions of microsoft/recommenders
 * (`python_evaluation.py`), so figures compare with its benchmark table:
 *
 * - precision@k = hits in the top k / k
 * - recall@k    = hits in the top k / |relevant|
 * - NDCG@k      = DCG / IDCG with DCG = Σ_{hit at rank r} 1 / log2(r + 1) (ranks from 1) and IDCG
 *                 the DCG of min(k, |relevant|) hits at the top; equal to sklearn's `ndcg_score(k)`
 *                 on 0/1 relevance with untied scores
 * - AP@k        = Σ_{hit at rank r} (hits up to r / r) / min(k, |relevant|)  (the usual MAP@k); with
 *                 `averagePrecisionDenominator: 'relevant'` divided by |relevant| instead, the
 *                 "MAP" of recommenders' published benchmark table
 * - hit         = 1 when the top k holds any relevant item (hit rate when averaged)
 *
 * `ranked` holds item ids best first (only the first k are read); `relevant` is the user's
 * held-out items. A user with no relevant items has no defined recall: such users are skipped by
 * `rankingMetrics`.
 */
export interface UserRankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  averagePrecision: number;
  hit: number;
}

export interface RankingMetricOptions {
  averagePrecisionDenominator?: 'min-k-relevant' | 'relevant';
}

export function userRankingMetrics<Item>(
  ranked: readonly Item[],
  relevant: ReadonlySet<Item>,
  k: number,
  options: RankingMetricOptions = {},
): UserRankingMetrics {
  if (!Number.isInteger(k) || k <= 0) throw new TesseraError('E_RECSYS_K', `k must be a positive integer, got ${k}`);
  if (relevant.size === 0) {
    throw new TesseraError('E_RECSYS_METRIC', 'the user has no relevant items; ranking metrics are undefined for them');
  }
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  const depth = Math.min(k, ranked.length);
  for (let rank = 1; rank <= depth; rank++) {
    if (!relevant.has(ranked[rank - 1] as Item)) continue;
    hits += 1;
    dcg += 1 / Math.log2(rank + 1);
    precisionSum += hits / rank;
  }
  let idcg = 0;
  for (let rank = 1; rank <= Math.min(k, relevant.size); rank++) idcg += 1 / Math.log2(rank + 1);
  const denominator = options.averagePrecisionDenominator === 'relevant' ? relevant.size : Math.min(k, relevant.size);
  return {
    precision: hits / k,
    recall: hits / relevant.size,
    ndcg: dcg / idcg,
    averagePrecision: precisionSum / denominator,
    hit: hits > 0 ? 1 : 0,
  };
}

export interface RankingMetrics {
  precisionAtK: number;
  recallAtK: number;
  ndcgAtK: number;
  mapAtK: number;
  hitRate: number;
  /** Users averaged over: those with both a ranking and at least one relevant item. */
  users: number;
}

/**
 * Means of the per-user metrics over the users that have both a ranking and relevant items (as
 * recommenders merges true and predicted users).
 */
export function rankingMetrics<User, Item>(
  rankings: ReadonlyMap<User, readonly Item[]>,
  relevant: ReadonlyMap<User, ReadonlySet<Item>>,
  k: number,
  options: RankingMetricOptions = {},
): RankingMetrics {
  const totals = { precision: 0, recall: 0, ndcg: 0, averagePrecision: 0, hit: 0 };
  let users = 0;
  for (const [user, items] of relevant) {
    const ranked = rankings.get(user);
    if (ranked === undefined || items.size === 0) continue;
    const metrics = userRankingMetrics(ranked, items, k, options);
    totals.precision += metrics.precision;
    totals.recall += metrics.recall;
    totals.ndcg += metrics.ndcg;
    totals.averagePrecision += metrics.averagePrecision;
    totals.hit += metrics.hit;
    users += 1;
  }
  if (users === 0) throw new TesseraError('E_RECSYS_METRIC', 'no user has both a ranking and relevant items');
  return {
    precisionAtK: totals.precision / users,
    recallAtK: totals.recall / users,
    ndcgAtK: totals.ndcg / users,
    mapAtK: totals.averagePrecision / users,
    hitRate: totals.hit / users,
    users,
  };
}

/** Catalogue coverage: the share of the catalogue's items that appear in at least one ranking's top k. */
export function catalogueCoverage<Item>(
  rankings: Iterable<readonly Item[]>,
  catalogueSize: number,
  k?: number,
): number {
  if (!(catalogueSize > 0))
    throw new TesseraError('E_RECSYS_METRIC', `catalogueSize must be positive, got ${catalogueSize}`);
  const seen = new Set<Item>();
  for (const ranked of rankings) for (const item of k === undefined ? ranked : ranked.slice(0, k)) seen.add(item);
  return seen.size / catalogueSize;
}
