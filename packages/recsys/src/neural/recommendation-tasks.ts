import {
  binaryCrossEntropyWithLogits,
  meanAbsoluteError,
  meanSquaredErrorLoss,
  rocAuc,
  rootMeanSquaredError,
  type Task,
  tf,
} from '@tessera/core';
import type { AnyRecommendationModule } from './matrix-factorization.js';
import type { RecommendationBatch } from './recommendation-batch.js';

/** Explicit ratings: squared error of the predicted rating; RMSE and MAE for evaluation. */
export function ratingPredictionTask(): Task<RecommendationBatch, AnyRecommendationModule> {
  return {
    name: 'rating-prediction',
    forward(model, batch) {
      const predictions = model.forward(batch); // [batch]
      const loss = meanSquaredErrorLoss(predictions, batch.targets) as tf.Scalar;
      return { loss, predictions, targets: batch.targets, itemCount: batch.targets.shape[0] as number };
    },
    createMetrics: () => [rootMeanSquaredError.create({ name: 'rmse' }), meanAbsoluteError.create({ name: 'mae' })],
    predict: (model, batch) => model.forward(batch),
  };
}

/**
 * Implicit feedback as binary classification of observed (1) against sampled unobserved (0)
 * pairs (the NCF / DeepFM-for-ranking setup): binary cross-entropy on the logit; ROC AUC for
 * evaluation; `predict` returns the probability.
 */
export function implicitFeedbackTask(): Task<RecommendationBatch, AnyRecommendationModule> {
  return {
    name: 'implicit-feedback',
    forward(model, batch) {
      const predictions = model.forward(batch); // [batch] logits
      const loss = binaryCrossEntropyWithLogits(predictions, batch.targets) as tf.Scalar;
      return { loss, predictions, targets: batch.targets, itemCount: batch.targets.shape[0] as number };
    },
    createMetrics: () => [rocAuc.create({ name: 'rocAuc' })],
    predict: (model, batch) => tf.sigmoid(model.forward(batch)),
  };
}
