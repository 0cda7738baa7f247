import { accuracy, crossEntropy, type Task, tf } from '@tessera/core';
import type { BertForSequenceClassification } from './bert.js';
import { bertInputs } from './bert-batch-inputs.js';

export interface SequenceClassificationBatch {
  inputIds: tf.Tensor;
  labels: tf.Tensor; // [batch] int32
  tokenTypeIds?: tf.Tensor;
  attentionMask?: tf.Tensor;
}

/** Sentence (pair) classification from BERT's pooled [CLS]: cross-entropy, accuracy. */
export function sequenceClassificationTask(): Task<SequenceClassificationBatch, BertForSequenceClassification> {
  return {
    name: 'sequence-classification',
    forward(model, batch) {
      const logits = model.forward(batch.inputIds, bertInputs(batch));
      const labels = tf.cast(batch.labels, 'int32');
      return {
        loss: crossEntropy(logits, labels) as tf.Scalar,
        predictions: logits,
        targets: labels,
        itemCount: labels.shape[0] as number,
      };
    },
    createMetrics: () => [accuracy.create()],
    predict: (model, batch) => model.forward(batch.inputIds, bertInputs(batch)), // [batch, labels]
  };
}
