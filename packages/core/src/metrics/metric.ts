/**
 * The `Metric` contract trainers consume, the input types every metric accepts, and
 * `defineMetric`, which gives each metric its one exported name.
 *
 * Style used throughout `metrics/`: each metric is one `MetricFunction`, e.g. `accuracy`:
 * - called, `accuracy(predictions, targets, options)`, it scores one batch;
 * - `accuracy.create(options)` returns a streaming `Metric` (update per batch, compute at the
 *   end, reset between epochs).
 * The call is the streaming metric fed once (`defineMetric` builds it from `create`), and every
 * accumulator folds samples in one at a time (integer counts, stored scores, or sequential
 * float64 sums), so streaming over any split of the data gives bit-for-bit the result of the call
 * on the concatenation.
 *
 * Argument order is (predictions, targets) everywhere, matching `Metric.update`. This is the
 * reverse of scikit-learn's (y_true, y_pred); it matters for asymmetric metrics such as R².
 */
import type { Metric, MetricInput } from '@tessera/spec';

// The contract (`Metric`) and what metrics read (`MetricInput`) are @tessera/spec's.
export type { Metric, MetricInput, NestedNumberArray } from '@tessera/spec';

/** Options every metric takes. */
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

/**
 * The arguments of a one-batch call. Targets may be left out where the metric accepts `null` for
 * them (perplexity from losses, whose targets only mask positions).
 */
export type MetricCallArguments<Options, Prediction, Target> = null extends Target
  ? [predictions: Prediction, targets?: Target, options?: Options]
  : [predictions: Prediction, targets: Target, options?: Options];

/**
 * One metric under one name: call it to score one batch, or `create` a streaming `Metric`.
 *
 * @typeParam Options - what both the call and `create` accept.
 * @typeParam Result - the metric's value (a number for most metrics).
 * @typeParam Prediction - what the call and `Metric.update` accept as predictions.
 * @typeParam Target - what they accept as targets.
 *
 * @example
 * accuracy(logits, labels, { threshold: 0.5 }); // one batch
 * const metric = accuracy.create({ name: 'validationAccuracy' }); // streaming
 */
export interface MetricFunction<
  Options extends MetricOptions = MetricOptions,
  Result = number,
  Prediction = MetricInput,
  Target = MetricInput,
> {
  /** The metric of one batch: exactly `create(options)` updated once with it, then computed. */
  (...batch: MetricCallArguments<Options, Prediction, Target>): Result;
  /** A streaming metric; options are validated here, so a bad option throws before any batch. */
  create(options?: Options): Metric<Result, Prediction, Target>;
}

/**
 * Makes a metric's one name from its streaming factory. The one-batch call is derived from
 * `create` rather than written beside it, so the two can never disagree.
 */
export function defineMetric<Options extends MetricOptions, Result, Prediction, Target>(
  create: (options?: Options) => Metric<Result, Prediction, Target>,
): MetricFunction<Options, Result, Prediction, Target> {
  function scoreOneBatch(predictions: Prediction, targets: Target, options?: Options): Result {
    const metric = create(options);
    metric.update(predictions, targets);
    return metric.compute();
  }
  // The rest-tuple call signature cannot be written as a function declaration; this one accepts it.
  return Object.assign(scoreOneBatch, { create }) as unknown as MetricFunction<Options, Result, Prediction, Target>;
}
