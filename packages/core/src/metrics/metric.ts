/**
 * The `Metric` contract trainers consume, and the input types every metric accepts.
 *
 * Style used throughout `metrics/`: each metric comes as
 * - a factory `createXMetric(options)` returning a streaming `Metric` (update per batch, compute
 *   at the end, reset between epochs), and
 * - a plain function `xScore(predictions, targets, options)` / `meanSquaredError(...)` that runs
 *   the same accumulator over one batch.
 * Because the plain function is the accumulator fed once, and every accumulator folds samples
 * in one at a time (integer counts, stored scores, or sequential float64 sums), streaming over
 * any split of the data gives bit-for-bit the result of the plain function on the concatenation.
 *
 * Argument order is (predictions, targets) everywhere, matching `Metric.update`. This is the
 * reverse of scikit-learn's (y_true, y_pred); it matters for asymmetric metrics such as R².
 */
// The contract (`Metric`) and what metrics read (`MetricInput`) are @tessera/spec's.
export type { Metric, MetricInput, NestedNumberArray } from '@tessera/spec';

/** Options every metric factory takes. */
export interface MetricOptions {
  /** Overrides the metric's default `name`, e.g. `validationAccuracy`. */
  name?: string;
}

/** How classification metrics turn predictions into class indices. */
export interface LabelReadingOptions {
  /**
   * Binary scores of shape `[batch]` or `[batch, 1]` become class 1 where `score > threshold`
   * and class 0 otherwise (the Keras `binaryAccuracy` rule). Without it, such predictions must
   * already be integer class indices. Predictions of shape `[batch, classes]` always use argmax.
   */
  threshold?: number;
}
