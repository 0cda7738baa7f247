/**
 * Accuracy and top-k accuracy (scikit-learn's `accuracy_score` and `top_k_accuracy_score`).
 *
 * accuracy = (1/n) Σ [prediction_i = target_i]
 * top-k accuracy = (1/n) Σ [target_i is among the k highest-scoring classes of sample i]
 */
import { TesseraError } from '../errors.js';
import {
  defineMetric,
  type LabelReadingOptions,
  type Metric,
  type MetricFunction,
  type MetricOptions,
} from './metric.js';
import { assertSameLength, assertSeenSamples, readLabels, readScores, validateThreshold } from './metric-input.js';

export interface AccuracyOptions extends MetricOptions, LabelReadingOptions {}

/** Counts of correct and all samples; integer counts make streaming exact. */
function createAccuracy(options: AccuracyOptions = {}): Metric {
  validateThreshold(options.threshold);
  let correct = 0;
  let total = 0;
  return {
    name: options.name ?? 'accuracy',
    update(predictions, targets) {
      const predicted = readLabels(predictions, 'predictions', options);
      const truth = readLabels(targets, 'targets');
      assertSameLength(predicted.length, truth.length);
      for (let index = 0; index < truth.length; index++) if (predicted[index] === truth[index]) correct++;
      total += truth.length;
    },
    compute() {
      assertSeenSamples(total, 'accuracy');
      return correct / total;
    },
    reset() {
      correct = 0;
      total = 0;
    },
  };
}

/**
 * Accuracy: the fraction of samples whose predicted class equals the target (scikit-learn's
 * `accuracy_score(y_true, y_pred)`); `accuracy.create()` streams it.
 * Predictions are class indices `[batch]`, scores `[batch, classes]` (argmax), or binary scores
 * with `threshold`; targets are class indices `[batch]` or one-hot `[batch, classes]`.
 */
export const accuracy: MetricFunction<AccuracyOptions> = defineMetric(createAccuracy);

export interface TopKAccuracyOptions extends MetricOptions {
  /** How many of the highest-scoring classes count as a hit. Default 2, as scikit-learn. */
  k?: number;
}

/**
 * Rank of class `target` in one row of scores, with scikit-learn's tie rule: classes are taken in
 * descending score order and, among equal scores, descending class index (its stable ascending
 * argsort reversed). The target is a hit when fewer than k classes come before it.
 */
function classesRankedAbove(values: ArrayLike<number>, offset: number, columns: number, target: number): number {
  const targetScore = values[offset + target]!;
  let above = 0;
  for (let column = 0; column < columns; column++) {
    const score = values[offset + column]!;
    if (score > targetScore || (score === targetScore && column > target)) above++;
  }
  return above;
}

/** Counts of hits and all samples. */
function createTopKAccuracy(options: TopKAccuracyOptions = {}): Metric {
  const k = options.k ?? 2;
  if (!Number.isInteger(k) || k < 1) {
    throw new TesseraError('E_METRIC_OPTION', `\`k\` must be a positive integer, got ${k}`);
  }
  let hits = 0;
  let total = 0;
  return {
    name: options.name ?? `top${k}Accuracy`,
    update(predictions, targets) {
      const scores = readScores(predictions, 'predictions');
      if (scores.columns < 2) {
        throw new TesseraError(
          'E_METRIC_INPUT_SHAPE',
          `top-k accuracy needs scores of shape [batch, classes] with at least 2 classes; got ${scores.columns} column(s)`,
        );
      }
      if (k > scores.columns) {
        throw new TesseraError(
          'E_METRIC_INPUT_TOP_K',
          `k = ${k} is larger than the number of classes (${scores.columns} score columns); choose k ≤ ${scores.columns}`,
        );
      }
      const truth = readLabels(targets, 'targets');
      assertSameLength(scores.rows, truth.length);
      for (let row = 0; row < truth.length; row++) {
        if (truth[row]! >= scores.columns) {
          throw new TesseraError(
            'E_METRIC_INPUT_LABEL',
            `targets[${row}] is class ${truth[row]} but predictions have only ${scores.columns} score columns (classes 0 … ${scores.columns - 1})`,
          );
        }
      }
      let batchHits = 0;
      for (let row = 0; row < truth.length; row++) {
        if (classesRankedAbove(scores.values, row * scores.columns, scores.columns, truth[row]!) < k) batchHits++;
      }
      hits += batchHits;
      total += truth.length;
    },
    compute() {
      assertSeenSamples(total, 'top-k accuracy');
      return hits / total;
    },
    reset() {
      hits = 0;
      total = 0;
    },
  };
}

/**
 * Top-k accuracy (scikit-learn's `top_k_accuracy_score(y_true, y_score, k=k)`); `.create()`
 * streams it. Predictions are scores `[batch, classes]` (probabilities or logits; column j is
 * class j); targets are class indices `[batch]` or one-hot `[batch, classes]`.
 *
 * Unlike scikit-learn, which warns and returns 1 when k ≥ the number of classes, k larger than the
 * number of score columns throws `E_METRIC_INPUT_TOP_K` (it usually means the wrong k or tensor).
 */
export const topKAccuracy: MetricFunction<TopKAccuracyOptions> = defineMetric(createTopKAccuracy);
