import {
  crossEntropy,
  datasetFromArray,
  type InMemoryDataset,
  perplexity,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';
import type { GPT } from './gpt.js';

export interface LanguageModelingExample {
  inputIds: Int32Array; // [blockSize]
  targets: Int32Array; // [blockSize]: inputIds shifted one to the left
}

/**
 * Windows of a token stream for next-token prediction: example i reads tokens
 * [i·stride, i·stride + blockSize) and predicts the ones after each. A stride below blockSize
 * overlaps windows (more examples from a short corpus).
 */
export function languageModelingDataset(
  tokens: ArrayLike<number>,
  blockSize: number,
  options: { stride?: number } = {},
): InMemoryDataset<LanguageModelingExample> {
  const stride = options.stride ?? blockSize;
  if (!(Number.isInteger(blockSize) && blockSize > 0 && Number.isInteger(stride) && stride > 0)) {
    throw new TesseraError(
      'E_DATA_OPTIONS',
      `blockSize and stride must be positive integers, got ${blockSize} and ${stride}`,
    );
  }
  const stream = Int32Array.from(tokens);
  const count = stream.length > blockSize ? Math.floor((stream.length - blockSize - 1) / stride) + 1 : 0;
  if (count === 0) {
    throw new TesseraError(
      'E_DATA_OPTIONS',
      `${stream.length} tokens are too few for one window of ${blockSize} (+1 target)`,
    );
  }
  const examples = Array.from({ length: count }, (_, index) => {
    const start = index * stride;
    return {
      inputIds: stream.subarray(start, start + blockSize),
      targets: stream.subarray(start + 1, start + blockSize + 1),
    };
  });
  return datasetFromArray(examples);
}

/**
 * Next-token prediction: cross-entropy of the logits at every position against the following
 * token (targets equal to ignoreIndex — padding, prompt tokens — are skipped); perplexity as the
 * evaluation metric. Throughput counts tokens.
 */
export function causalLanguageModelingTask(
  options: { ignoreIndex?: number } = {},
): Task<{ inputIds: tf.Tensor; targets: tf.Tensor }, GPT> {
  const ignoreIndex = options.ignoreIndex ?? -100;
  return {
    name: 'causal-language-modeling',
    forward(model, batch) {
      const logits = model.forward(batch.inputIds); // [batch, time, vocabulary]
      const loss = crossEntropy(logits, batch.targets, { ignoreIndex }) as tf.Scalar;
      const itemCount = tf.tidy(
        () => tf.sum(tf.cast(tf.notEqual(batch.targets, ignoreIndex), 'int32')).dataSync()[0] as number,
      );
      return { loss, predictions: logits, targets: batch.targets, itemCount };
    },
    createMetrics: () => [perplexity.create({ ignoreIndex })],
    predict(model, batch) {
      return model.forward(batch.inputIds);
    },
  };
}
