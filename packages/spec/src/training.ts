/**
 * The training contracts domain packages, trainers and federated clients compose through: a
 * `Task` (the objective), a `Metric` (streaming evaluation) and a `GradientTransform` (a step
 * between gradients and the optimizer: clipping, accumulation, DP-SGD's clipping and noise).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A JavaScript typed array of numbers (not the BigInt ones, which tensors cannot hold). */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/** What a task computes for one batch. */
export interface TaskOutput {
  /** The scalar the optimizer minimises. */
  loss: tf.Scalar;
  /** What the task's metrics compare (e.g. logits [batch, classes]); omitted when it has none. */
  predictions?: tf.Tensor;
  /** The matching targets (e.g. class indices [batch]). */
  targets?: tf.Tensor;
  /** Items the batch holds, for throughput: examples, or tokens for language models. */
  itemCount: number;
}

/**
 * How a model turns a batch into a loss and metrics: the objective, separate from the model and
 * from the loop. Domain packages export task factories (causal LM, masked LM, classification,
 * rating prediction…); trainers and federated clients drive any `Task`.
 */
export interface Task<Batch, Model = unknown> {
  readonly name: string;
  /** Loss and metric inputs for one batch. Called inside the trainer's tidy and gradient scopes. */
  forward(model: Model, batch: Batch, context: { training: boolean }): TaskOutput;
  /** Fresh streaming metrics for one evaluation pass (fed `predictions` and `targets`). */
  createMetrics?(): Metric[];
  /** What `predict` returns for a batch (default: the model's output). */
  predict?(model: Model, batch: Batch): tf.Tensor;
}

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

/** Gradients keyed by their parameters' dotted names (`blocks.0.attention.query.weight`). */
export type NamedGradients = Record<string, tf.Tensor>;

/**
 * A step between gradients and the optimizer. Transforms run in order inside the caller's tf.tidy
 * and return new gradients (they must not dispose their input).
 */
export interface GradientTransform {
  readonly name: string;
  apply(gradients: NamedGradients, context: { step: number }): NamedGradients;
}
