import {
  AdamW,
  classificationTask,
  clipGradientNorm,
  cosineWithWarmupSchedule,
  createDataLoader,
  createRandomGenerator,
  Dropout,
  datasetFromColumns,
  Linear,
  Module,
  relu,
  setGlobalSeed,
  tf,
} from '@tessera/core';
import type { Callback } from './callback.js';
import { Trainer } from './trainer.js';

/** A small classifier with dropout, so resuming must restore the random state too. */
export class SmallClassifier extends Module<[tf.Tensor], tf.Tensor> {
  readonly hidden = this.registerModule('hidden', new Linear(4, 16, { random: createRandomGenerator(1) }));
  readonly dropout = this.registerModule('dropout', new Dropout(0.2));
  readonly head = this.registerModule('head', new Linear(16, 3, { random: createRandomGenerator(2) }));
  forward(x: tf.Tensor) {
    return tf.tidy(() => this.head.forward(this.dropout.forward(relu(this.hidden.forward(x)))));
  }
}

/** 96 points in 3 classes separable by their first two features. */
export function syntheticDataset(count = 96, seed = 3) {
  const random = createRandomGenerator(seed);
  const features = new Float32Array(count * 4);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    features[i * 4] = label === 0 ? 1 : -1;
    features[i * 4 + 1] = label === 1 ? 1 : -1;
    for (let j = 0; j < 4; j++) features[i * 4 + j] = (features[i * 4 + j] as number) + 0.3 * random.nextNormal();
  }
  return datasetFromColumns({ features: { values: features, rowLength: 4 }, labels });
}

export function makeLoader(options: { batchSize?: number; shuffle?: boolean } = {}) {
  return createDataLoader(syntheticDataset(), {
    batchSize: options.batchSize ?? 16,
    shuffle: options.shuffle ?? true,
    seed: 7,
  });
}

export function makeTrainer(
  options: { callbacks?: Callback[]; accumulation?: number; totalSteps?: number; learningRate?: number } = {},
) {
  setGlobalSeed(11);
  const model = new SmallClassifier();
  return new Trainer({
    model,
    task: classificationTask(),
    optimizer: new AdamW(model.trainableParameters(), { learningRate: options.learningRate ?? 0.02 }),
    schedule: cosineWithWarmupSchedule({ warmupSteps: 2, totalSteps: options.totalSteps ?? 12, minimumFactor: 0.1 }),
    gradientTransforms: [clipGradientNorm(1)],
    gradientAccumulationSteps: options.accumulation ?? 1,
    callbacks: options.callbacks ?? [],
  });
}

/** Records every step's loss. */
export function lossRecorder(): Callback & { losses: number[] } {
  const losses: number[] = [];
  return {
    losses,
    onStepEnd(logs) {
      losses.push(logs.loss);
    },
  };
}
