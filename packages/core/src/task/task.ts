import type * as tf from '@tensorflow/tfjs-core';
import type { Metric } from '../metrics/metric.js';
import type { Module } from '../nn/module.js';

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
// biome-ignore lint/suspicious/noExplicitAny: a task may drive any module signature.
export interface Task<Batch, Model extends Module<any[], unknown> = Module<any[], unknown>> {
  readonly name: string;
  /** Loss and metric inputs for one batch. Called inside the trainer's tidy and gradient scopes. */
  forward(model: Model, batch: Batch, context: { training: boolean }): TaskOutput;
  /** Fresh streaming metrics for one evaluation pass (fed `predictions` and `targets`). */
  createMetrics?(): Metric[];
  /** What `predict` returns for a batch (default: the model's output). */
  predict?(model: Model, batch: Batch): tf.Tensor;
}
