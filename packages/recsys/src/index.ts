/**
 * @tessera/recsys: recommender systems from ratings to top-N lists: data loaders, neighbourhood
 * CF, baseline and matrix factorization, ALS and BPR, DeepFM and Wide & Deep, metrics, save/load.
 */
import { registerExportKind } from '@tessera/core';
import { recommenderExportKind } from './export/recommender-export-kind.js';

// `tessera serve`, `predict` and `info` find this package's export kind in core's registry.
registerExportKind(recommenderExportKind);

export { IdMapping } from './data/id-mapping.js';
export type { MovieLens100k, MovieLensItem, MovieLensSplit, MovieLensUser } from './data/movielens.js';
export { loadMovieLens100k, loadMovieLensSplit, MOVIELENS_GENRES, MOVIELENS_SPLITS } from './data/movielens.js';
export type { IndexedRatings, RatingScale, SparseRows } from './data/rating-matrix.js';
export { RatingMatrix } from './data/rating-matrix.js';
export type { Ratings } from './data/ratings.js';
export { concatRatings, createRatings, randomSplitRatings, selectRatings, toImplicit } from './data/ratings.js';
export { parseRatingsCsv, readRatingsCsv } from './data/ratings-csv.js';
export type { TopNEvaluationOptions } from './evaluation.js';
export { evaluateRatings, evaluateTopN } from './evaluation.js';
export type { LoadedRecommenderExport, RecommenderExportConfig } from './export/export-recommender.js';
export { exportRecommender, ITEMS_FILE, loadRecommenderExport, USERS_FILE } from './export/export-recommender.js';
export { recommenderExportKind } from './export/recommender-export-kind.js';
export type { RankingMetricOptions, RankingMetrics, UserRankingMetrics } from './metrics/ranking-metrics.js';
export { catalogueCoverage, rankingMetrics, userRankingMetrics } from './metrics/ranking-metrics.js';
export { meanAbsoluteRatingError, rootMeanSquaredRatingError } from './metrics/rating-metrics.js';
export type { BaselineOptions, ResolvedBaselineOptions } from './models/baseline.js';
export { BaselinePredictor } from './models/baseline.js';
export type {
  BayesianPersonalizedRankingOptions,
  ResolvedBayesianPersonalizedRankingOptions,
} from './models/bayesian-personalized-ranking.js';
export { BayesianPersonalizedRanking } from './models/bayesian-personalized-ranking.js';
export type {
  BiasedMatrixFactorizationOptions,
  ResolvedBiasedMatrixFactorizationOptions,
} from './models/biased-matrix-factorization.js';
export { BiasedMatrixFactorization } from './models/biased-matrix-factorization.js';
export type {
  ImplicitAlternatingLeastSquaresOptions,
  ResolvedImplicitAlternatingLeastSquaresOptions,
} from './models/implicit-alternating-least-squares.js';
export { ImplicitAlternatingLeastSquares } from './models/implicit-alternating-least-squares.js';
export type {
  NeighbourhoodOptions,
  NeighbourhoodPrediction,
  ResolvedNeighbourhoodOptions,
} from './models/neighbourhood.js';
export { NeighbourhoodModel } from './models/neighbourhood.js';
export type { EpochReport, FitOptions, ModelArrays, ScoredItem } from './models/recommender.js';
export { Recommender, topK } from './models/recommender.js';
export type { SimilarityName, SimilarityOptions } from './models/similarities.js';
export { computeSimilarities, SIMILARITY_NAMES } from './models/similarities.js';
export { DeepFM, type DeepFMConfig, poolFields } from './neural/deepfm.js';
export type { EncodedFeatures, FeatureEncoderJSON, FeatureField, SideFeatures } from './neural/feature-encoder.js';
export { FeatureEncoder, movieLensAgeGroup, movieLensSideFeatures } from './neural/feature-encoder.js';
export type { InteractionLoaderOptions } from './neural/interaction-dataset.js';
export { createInteractionLoader, encodePairs } from './neural/interaction-dataset.js';
export type { AnyRecommendationModule, MatrixFactorizationConfig } from './neural/matrix-factorization.js';
export { MatrixFactorization } from './neural/matrix-factorization.js';
export { multilayerPerceptron } from './neural/multilayer-perceptron.js';
export type {
  NeuralArchitecture,
  NeuralFitOptions,
  NeuralRecommenderOptions,
  ResolvedNeuralRecommenderOptions,
} from './neural/neural-recommender.js';
export { NeuralRecommender } from './neural/neural-recommender.js';
export type { FieldSlots, RecommendationBatch } from './neural/recommendation-batch.js';
export { implicitFeedbackTask, ratingPredictionTask } from './neural/recommendation-tasks.js';
export type { CrossableField, WideAndDeepConfig } from './neural/wide-and-deep.js';
export { WideAndDeep } from './neural/wide-and-deep.js';
export { loadRecommender, saveRecommender } from './persistence/save-load.js';
