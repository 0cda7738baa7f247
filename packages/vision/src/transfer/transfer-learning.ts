import {
  BatchNorm,
  Linear,
  type Module,
  type ParameterGroup,
  type RandomGenerator,
  TesseraError,
  tf,
} from '@tessera/core';
import type { Callback } from '@tessera/trainers';
import { parameterGroupsByName } from '@tessera/trainers';
import type { ImageClassifier } from '../models/image-classifier.js';

/**
 * Puts a new head on a classifier — a fresh Linear(featureSize, classCount), or the module given —
 * and disposes the old one (torchvision's `model.fc = nn.Linear(...)`). Returns the new head.
 */
export function replaceHead(
  model: ImageClassifier,
  head: number | Module<[tf.Tensor], tf.Tensor>,
  options: { random?: RandomGenerator } = {},
): Module<[tf.Tensor], tf.Tensor> {
  const replacement =
    typeof head === 'number'
      ? new Linear(model.featureSize, head, options.random === undefined ? {} : { random: options.random })
      : head;
  return model.replaceModule('head', replacement);
}

/** Stops training every backbone parameter (the head keeps training). Returns the names frozen. */
export function freezeBackbone(model: ImageClassifier): string[] {
  return model.freeze('backbone');
}

/**
 * The name patterns of the top `count` backbone blocks that hold parameters, top first
 * (`backbone.7`, `backbone.6`, …); parameterless blocks (pooling) are skipped.
 */
export function topBlockPatterns(model: ImageClassifier, count: number): string[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new TesseraError('E_TRANSFER_BLOCKS', `the number of blocks must be a non-negative integer, got ${count}`);
  }
  const withParameters = new Set(
    model
      .namedParameters()
      .map(([name]) => name.split('.'))
      .filter((parts) => parts[0] === 'backbone')
      .map((parts) => Number(parts[1])),
  );
  const blocks = [...withParameters].sort((a, b) => b - a);
  if (count > blocks.length) {
    throw new TesseraError(
      'E_TRANSFER_BLOCKS',
      `asked for the top ${count} blocks, but the backbone has ${blocks.length} blocks with parameters`,
    );
  }
  return blocks.slice(0, count).map((block) => `backbone.${block}`);
}

/** Resumes training the top `count` backbone blocks (see topBlockPatterns). Returns the names unfrozen. */
export function unfreezeTopBlocks(model: ImageClassifier, count: number): string[] {
  return topBlockPatterns(model, count).flatMap((pattern) => model.unfreeze(pattern));
}

/**
 * Optimizer parameter groups for fine-tuning: the head at the optimizer's learning rate, the
 * backbone at `backboneLearningRate` (e.g. a tenth of it). Frozen parameters are included, so they
 * train at their group's rate once unfrozen.
 */
export function fineTuningParameterGroups(
  model: ImageClassifier,
  options: { backboneLearningRate: number },
): Array<ParameterGroup<{ learningRate: number }>> {
  return parameterGroupsByName<{ learningRate: number }>(model, [
    { pattern: 'backbone', options: { learningRate: options.backboneLearningRate } },
  ]);
}

/**
 * A Trainer callback that keeps the BatchNorm layers whose parameters are all frozen in
 * inference mode (running statistics used and left unchanged), as Keras does for frozen layers:
 * a frozen backbone then computes exactly the features it was trained to compute.
 */
export function frozenBatchNormInference(): Callback {
  const apply = (model: Module<never[], unknown>) => {
    for (const [, module] of model.namedModules()) {
      if (!(module instanceof BatchNorm)) continue;
      const parameters = module.parameters();
      if (parameters.length > 0 && parameters.every((parameter) => !parameter.trainable)) module.training = false;
    }
  };
  return {
    onTrainBegin: (trainer) => apply(trainer.model as Module<never[], unknown>),
    onEpochBegin: (_epoch, trainer) => apply(trainer.model as Module<never[], unknown>),
    onEvaluationEnd: (_logs, trainer) => apply(trainer.model as Module<never[], unknown>),
  };
}

/**
 * Feature extraction: the backbone's feature vectors for every batch of `loader`, computed in
 * eval mode (the model's mode is restored afterwards), with the batches' labels.
 */
export async function extractFeatures(
  model: ImageClassifier,
  loader: AsyncIterable<{ images: tf.Tensor; labels?: tf.Tensor }>,
): Promise<{ features: Float32Array; labels: Int32Array; count: number; featureSize: number }> {
  const wasTraining = model.training;
  model.eval();
  const featureChunks: Float32Array[] = [];
  const labelChunks: Int32Array[] = [];
  try {
    for await (const batch of loader) {
      const features = tf.tidy(() => model.features(batch.images));
      featureChunks.push((await features.data()) as Float32Array);
      features.dispose();
      if (batch.labels !== undefined) labelChunks.push(Int32Array.from(await batch.labels.data()));
      tf.dispose(batch as unknown as tf.TensorContainer);
    }
  } finally {
    model.train(wasTraining);
  }
  const features = concatenate(featureChunks, Float32Array);
  return {
    features,
    labels: concatenate(labelChunks, Int32Array),
    count: features.length / model.featureSize,
    featureSize: model.featureSize,
  };
}

function concatenate<T extends Float32Array | Int32Array>(chunks: T[], Type: new (length: number) => T): T {
  const result = new Type(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}
