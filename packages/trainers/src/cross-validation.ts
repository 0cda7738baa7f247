import {
  createDataLoader,
  type Dataset,
  type Fold,
  kFoldIndices,
  stratifiedKFoldIndices,
  subset,
  TesseraError,
  type tf,
} from '@tessera/core';
import type { Trainer } from './trainer.js';

export interface CrossValidationOptions<Example> {
  dataset: Dataset<Example>;
  /** Number of folds (k ≥ 2). */
  folds: number;
  /** Class labels per example: folds are then stratified (scikit-learn's StratifiedKFold). */
  labels?: ArrayLike<number>;
  /** Shuffle before splitting, with this seed (default: contiguous folds, as KFold). */
  shuffleSeed?: number;
  batchSize: number;
  /** A fresh trainer (new model and optimizer) for each fold. */
  createTrainer(fold: number): Trainer<tf.TensorContainer> | Promise<Trainer<tf.TensorContainer>>;
  /** Passed to each fit. */
  epochs?: number;
  maxSteps?: number;
  /** Seed of each fold's training-data shuffle (default 0). */
  seed?: number;
}

export interface CrossValidationResult {
  folds: Array<{ fold: number; trainSize: number; testSize: number; loss: number; metrics: Record<string, number> }>;
  /** Mean and sample standard deviation over folds, for the loss and every metric. */
  summary: Record<string, { mean: number; standardDeviation: number }>;
}

function meanAndDeviation(values: number[]): { mean: number; standardDeviation: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length < 2 ? 0 : values.reduce((total, value) => total + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, standardDeviation: Math.sqrt(variance) };
}

/** k-fold cross-validation: train on k − 1 folds, evaluate on the held-out one, k times. */
export async function crossValidate<Example>(options: CrossValidationOptions<Example>): Promise<CrossValidationResult> {
  const foldOptions = options.shuffleSeed === undefined ? {} : { shuffle: true, seed: options.shuffleSeed };
  const folds: Fold[] =
    options.labels === undefined
      ? kFoldIndices(options.dataset.length, options.folds, foldOptions)
      : stratifiedKFoldIndices(Array.from(options.labels), options.folds, foldOptions);
  if (options.epochs === undefined && options.maxSteps === undefined) {
    throw new TesseraError('E_TRAINER_OPTION', 'crossValidate needs epochs or maxSteps');
  }
  const results: CrossValidationResult['folds'] = [];
  for (const [index, fold] of folds.entries()) {
    const trainer = await options.createTrainer(index);
    const train = createDataLoader(subset(options.dataset, fold.train), {
      batchSize: options.batchSize,
      shuffle: true,
      seed: options.seed ?? 0,
    });
    const test = createDataLoader(subset(options.dataset, fold.test), { batchSize: options.batchSize });
    await trainer.fit(train as never, {
      ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    });
    const evaluation = await trainer.evaluate(test as never);
    results.push({ fold: index, trainSize: fold.train.length, testSize: fold.test.length, ...evaluation });
    trainer.optimizer.dispose();
    trainer.model.dispose();
  }
  const names = ['loss', ...Object.keys(results[0]?.metrics ?? {})];
  const summary = Object.fromEntries(
    names.map((name) => [
      name,
      meanAndDeviation(results.map((result) => (name === 'loss' ? result.loss : (result.metrics[name] as number)))),
    ]),
  );
  return { folds: results, summary };
}
