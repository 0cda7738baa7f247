import {
  createRandomGenerator,
  crossEntropy,
  perplexity,
  type RandomGenerator,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';
import type { BertForMaskedLanguageModeling } from './bert.js';
import { bertInputs } from './bert-batch-inputs.js';

export interface MaskingOptions {
  maskTokenId: number;
  vocabularySize: number;
  /** Never selected: [CLS], [SEP], [PAD]… */
  specialTokenIds: readonly number[];
  /** Fraction of positions selected (default 0.15). */
  probability?: number;
  random?: RandomGenerator;
}

/**
 * BERT's masking (Devlin et al. 2019; Hugging Face's DataCollatorForLanguageModeling): each
 * non-special position is selected with probability 0.15; a selected token becomes [MASK] 80% of
 * the time, a random token 10%, and stays 10%. Labels hold the original id at selected positions
 * and −100 (ignored by the loss) elsewhere. Works on one sequence; the caller batches.
 */
export function maskTokens(
  inputIds: ArrayLike<number>,
  options: MaskingOptions,
): { inputIds: Int32Array; labels: Int32Array } {
  const probability = options.probability ?? 0.15;
  if (!(probability > 0 && probability < 1))
    throw new TesseraError('E_MASKING_OPTION', `probability must be in (0, 1), got ${probability}`);
  const random = options.random ?? createRandomGenerator(0);
  const special = new Set(options.specialTokenIds);
  const masked = Int32Array.from(inputIds);
  const labels = new Int32Array(masked.length).fill(-100);
  for (let i = 0; i < masked.length; i++) {
    if (special.has(masked[i] as number) || random.nextFloat() >= probability) continue;
    labels[i] = masked[i] as number;
    const choice = random.nextFloat();
    if (choice < 0.8) masked[i] = options.maskTokenId;
    else if (choice < 0.9) masked[i] = random.nextInt(options.vocabularySize);
  }
  return { inputIds: masked, labels };
}

export interface MaskedLanguageModelingBatch {
  inputIds: tf.Tensor; // [batch, time] int32, already masked
  labels: tf.Tensor; // [batch, time] int32, −100 where not selected
  tokenTypeIds?: tf.Tensor;
  attentionMask?: tf.Tensor;
}

/** Cross-entropy on the selected positions only; perplexity and accuracy over them. */
export function maskedLanguageModelingTask(): Task<MaskedLanguageModelingBatch, BertForMaskedLanguageModeling> {
  return {
    name: 'masked-language-modeling',
    forward(model, batch) {
      const logits = model.forward(batch.inputIds, bertInputs(batch));
      const loss = crossEntropy(logits, batch.labels, { ignoreIndex: -100 }) as tf.Scalar;
      const itemCount = tf.tidy(
        () => tf.sum(tf.cast(tf.notEqual(batch.labels, -100), 'int32')).dataSync()[0] as number,
      );
      return { loss, predictions: logits, targets: batch.labels, itemCount };
    },
    createMetrics: () => [perplexity.create({ ignoreIndex: -100 })],
    predict: (model, batch) => model.forward(batch.inputIds, bertInputs(batch)), // [batch, time, vocabulary]
  };
}
