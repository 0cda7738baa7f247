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
import type * as tf from '@tensorflow/tfjs-core';
import type { NumericTypedArray } from '../typed-arrays.js';

/** Numbers nested to any depth: `[batch]`, `[batch, classes]`, `[batch, time, vocabulary]`. */
export type NestedNumberArray = readonly number[] | readonly NestedNumberArray[];

/**
 * What metrics read: a tf.Tensor (float32, int32 or bool; read with `dataSync`, never disposed
 * by the metric: the caller owns it), nested number arrays, or a flat typed array.
 */
export type MetricInput = tf.Tensor | NestedNumberArray | NumericTypedArray;

/**
 * A streaming evaluation metric. `update` folds in one batch, `compute` returns the value over
 * everything seen since construction or the last `reset`, and may be called any number of times.
 * An `update` that throws leaves the state unchanged (it validates the whole batch first).
 *
 * @typeParam Result - what `compute` returns (a number for most metrics).
 * @typeParam Prediction - what `update` accepts as its first argument.
 * @typeParam Target - what `update` accepts as its second argument.
 */
export interface Metric<Result = number, Prediction = MetricInput, Target = MetricInput> {
  /** A name for logs and progress output, e.g. `accuracy`, `top5Accuracy`, `rocAuc`. */
  readonly name: string;
  /** Accumulate one batch. Tensors are read, not disposed. */
  update(predictions: Prediction, targets: Target): void;
  /** The metric over all batches seen so far. Throws `E_METRIC_UNDEFINED` when it has no value. */
  compute(): Result;
  /** Forget all batches (start of a new epoch or evaluation run). */
  reset(): void;
}

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
