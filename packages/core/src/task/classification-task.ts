import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import { type CrossEntropyOptions, crossEntropy } from '../losses/cross-entropy.js';
import { accuracy } from '../metrics/accuracy.js';
import type { Metric } from '../metrics/metric.js';
import type { Module } from '../nn/module.js';
import type { Task } from './task.js';

export interface ClassificationTaskOptions {
  /** The batch field the model reads (default 'features'). */
  inputField?: string;
  /** The batch field holding int32 class indices (default 'labels'). */
  targetField?: string;
  /** Passed to crossEntropy: ignoreIndex, labelSmoothing, classWeights. */
  loss?: Omit<CrossEntropyOptions, 'reduction'>;
  /** Metrics for evaluation (default: accuracy). */
  metrics?: () => Metric[];
}

/** A batch for {@link classificationTask}: named tensors, holding at least the input and label fields. */
export type ClassificationBatch = Record<string, tf.Tensor>;

/** Classification from logits: cross-entropy loss, accuracy (or the given metrics) for evaluation. */
export function classificationTask(
  options: ClassificationTaskOptions = {},
): Task<ClassificationBatch, Module<[tf.Tensor], tf.Tensor>> {
  const inputField = options.inputField ?? 'features';
  const targetField = options.targetField ?? 'labels';
  const field = (batch: ClassificationBatch, name: string): tf.Tensor => {
    const value = batch[name];
    if (value === undefined) {
      throw new TesseraError(
        'E_TASK_BATCH',
        `classification task: the batch has no '${name}' field (fields: ${Object.keys(batch).join(', ')})`,
      );
    }
    return value;
  };
  return {
    name: 'classification',
    forward(model, batch) {
      const targets = field(batch, targetField);
      const predictions = model.forward(field(batch, inputField)); // [batch, classes]
      const loss = crossEntropy(predictions, tf.cast(targets, 'int32'), options.loss) as tf.Scalar;
      return { loss, predictions, targets, itemCount: targets.shape[0] as number };
    },
    createMetrics: options.metrics ?? (() => [accuracy.create()]),
    predict(model, batch) {
      return tf.softmax(model.forward(field(batch, inputField)));
    },
  };
}
