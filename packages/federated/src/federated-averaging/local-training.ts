import {
  type AnyModule,
  type CollateFunction,
  createDataLoader,
  type Dataset,
  type FieldDtypes,
  type GradientTransform,
  type NamedParameters,
  type Optimizer,
  type Task,
  TesseraError,
} from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { type ClientUpdate, cloneState, disposeState, type ModelState, subtractState } from './model-state.js';
import { proximalTerm } from './proximal-term.js';

/** A fresh optimizer for one client's local training (FedAvg uses plain SGD, new every round). */
export type OptimizerFactory = (parameters: NamedParameters) => Optimizer<{ learningRate: number }>;

export interface LocalTrainingOptions<Example, Batch> {
  model: AnyModule;
  task: Task<Batch, AnyModule>;
  /** The client's own examples. */
  dataset: Dataset<Example>;
  /** E: passes over the local data. */
  epochs: number;
  /** B: examples per local step; `Infinity` trains on the whole local dataset as one batch. */
  batchSize: number;
  createOptimizer: OptimizerFactory;
  /** FedProx's μ (default 0: plain FedAvg). */
  proximalStrength?: number;
  /** Applied after the proximal term, e.g. DP-SGD's clipping and noise. */
  gradientTransforms?: GradientTransform[];
  /** Seed of the local shuffle (default 0). */
  seed?: number;
  /** Shuffle the local data every epoch (default true). */
  shuffle?: boolean;
  dtypes?: FieldDtypes;
  collate?: CollateFunction<Example, Batch>;
}

export interface LocalTrainingResult {
  update: ClientUpdate;
  /** Mean training loss over the local steps. */
  meanLoss: number;
  steps: number;
}

export function checkLocalOptions(epochs: unknown, batchSize: unknown): void {
  if (typeof epochs !== 'number' || !Number.isSafeInteger(epochs) || epochs < 1) {
    throw new TesseraError('E_FEDERATED_OPTIONS', `localEpochs (E) must be a positive integer, got ${String(epochs)}`);
  }
  if (
    typeof batchSize !== 'number' ||
    !(batchSize === Number.POSITIVE_INFINITY || (Number.isSafeInteger(batchSize) && batchSize >= 1))
  ) {
    throw new TesseraError(
      'E_FEDERATED_OPTIONS',
      `localBatchSize (B) must be a positive integer or Infinity (full batch), got ${String(batchSize)}`,
    );
  }
}

/**
 * One client's ClientUpdate in FedAvg / FedProx: load the global weights, run E epochs of
 * minibatch training with batch B on the local data (core's DataLoader and the trainers' Trainer,
 * so any Task and Optimizer work), and return local − global with the local example count.
 * `global` stays the caller's; the model is left holding the local weights.
 */
export async function trainLocally<Example, Batch>(
  options: LocalTrainingOptions<Example, Batch>,
  global: ModelState,
): Promise<LocalTrainingResult> {
  checkLocalOptions(options.epochs, options.batchSize);
  const { model, dataset } = options;
  if (dataset.length < 1) throw new TesseraError('E_FEDERATED_DATA', 'a client has no examples to train on');
  model.loadStateDict(global);
  const strength = options.proximalStrength ?? 0;
  const anchor = strength > 0 ? cloneState(global) : undefined;
  const optimizer = options.createOptimizer(model.trainableParameters());
  const losses: number[] = [];
  try {
    const trainer = new Trainer<Batch>({
      model,
      task: options.task,
      optimizer,
      gradientTransforms: [
        ...(anchor === undefined ? [] : [proximalTerm(model, anchor, strength)]),
        ...(options.gradientTransforms ?? []),
      ],
      callbacks: [{ onStepEnd: (logs) => void losses.push(logs.loss) }],
    });
    const loader = createDataLoader<Example, Batch>(dataset, {
      batchSize: options.batchSize === Number.POSITIVE_INFINITY ? dataset.length : options.batchSize,
      shuffle: options.shuffle ?? true,
      seed: options.seed ?? 0,
      ...(options.collate !== undefined ? { collate: options.collate } : {}),
      ...(options.dtypes !== undefined ? { dtypes: options.dtypes } : {}),
    });
    await trainer.fit(loader, { epochs: options.epochs });
  } finally {
    optimizer.dispose();
    if (anchor !== undefined) disposeState(anchor);
  }
  return {
    update: { delta: subtractState(model.stateDict(), global), exampleCount: dataset.length },
    meanLoss: losses.reduce((total, loss) => total + loss, 0) / Math.max(losses.length, 1),
    steps: losses.length,
  };
}
