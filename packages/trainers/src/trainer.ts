import {
  type AnyModule,
  computeGradients,
  type DataLoader,
  type GradientTransform,
  getGlobalRandom,
  type LearningRateSchedule,
  type Metric,
  type Module,
  type NamedGradients,
  type Optimizer,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';
import type { Callback, EvaluationLogs, StepLogs } from './callback.js';
import { type CheckpointContents, loadCheckpoint, saveCheckpoint, type TrainerPosition } from './checkpoint.js';

export interface TrainerOptions<Batch> {
  model: AnyModule;
  task: Task<Batch, AnyModule>;
  optimizer: Optimizer<{ learningRate: number }>;
  /** Factor on the learning rate by optimizer step (see LearningRateSchedule). */
  schedule?: LearningRateSchedule;
  /** Applied in order between the gradients and the optimizer (clipping, DP-SGD…). */
  gradientTransforms?: GradientTransform[];
  /** Micro-batches whose gradients are averaged into one optimizer step (default 1). */
  gradientAccumulationSteps?: number;
  callbacks?: Callback[];
}

export interface FitOptions<Batch> {
  /** Epochs to run (default 1, or unbounded when only maxSteps is given). */
  epochs?: number;
  /** Stop after this many optimizer steps. */
  maxSteps?: number;
  /** Data to evaluate on: every `evaluateEvery` steps, or at the end of each epoch. */
  evaluationLoader?: AsyncIterable<Batch>;
  evaluateEvery?: number;
  /** A checkpoint directory to continue from (written by `saveCheckpoint` / the checkpoint callback). */
  resumeFrom?: string;
}

export interface EvaluationResult {
  loss: number;
  metrics: Record<string, number>;
}

/**
 * The training loop for any model and `Task`: epochs or a step budget, gradient accumulation,
 * gradient transforms, a learning-rate schedule stepped per optimizer update, evaluation, and
 * callbacks. A run resumed from a checkpoint continues exactly as the uninterrupted run: the
 * data order is a function of (seed, epoch), consumed batches are skipped, and the model,
 * optimizer and random-generator states are restored.
 */
export class Trainer<Batch = unknown> {
  /** Set by a callback to end the run after the current step. */
  stopTraining = false;
  /** Where the run stands; saved in checkpoints. */
  position: TrainerPosition = { step: 0, epoch: 0, batchInEpoch: 0 };
  /** Values callbacks keep in checkpoints (e.g. early stopping's best). */
  readonly extraState: Record<string, unknown> = {};
  readonly model: AnyModule;
  readonly task: Task<Batch, AnyModule>;
  readonly optimizer: Optimizer<{ learningRate: number }>;
  private readonly options: TrainerOptions<Batch>;
  private totalSteps: number | undefined;

  constructor(options: TrainerOptions<Batch>) {
    const accumulation = options.gradientAccumulationSteps ?? 1;
    if (!Number.isInteger(accumulation) || accumulation < 1) {
      throw new TesseraError(
        'E_TRAINER_OPTION',
        `gradientAccumulationSteps must be an integer ≥ 1, got ${accumulation}`,
      );
    }
    this.options = options;
    this.model = options.model;
    this.task = options.task;
    this.optimizer = options.optimizer;
  }

  private get callbacks(): Callback[] {
    return this.options.callbacks ?? [];
  }

  private async emit<K extends keyof Callback>(event: K, ...args: Parameters<NonNullable<Callback[K]>>): Promise<void> {
    for (const callback of this.callbacks) {
      const hook = callback[event] as ((...hookArgs: unknown[]) => void | Promise<void>) | undefined;
      await hook?.apply(callback, args);
    }
  }

  /** Trains on `loader` (a DataLoader, so each epoch has its own seeded order). */
  async fit(loader: DataLoader<unknown, Batch>, options: FitOptions<Batch> = {}): Promise<void> {
    const accumulation = this.options.gradientAccumulationSteps ?? 1;
    const epochs = options.epochs ?? (options.maxSteps === undefined ? 1 : Number.POSITIVE_INFINITY);
    const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
    const batchesPerEpoch = loader.length;
    this.totalSteps = Number.isFinite(maxSteps)
      ? maxSteps
      : batchesPerEpoch !== undefined && Number.isFinite(epochs)
        ? Math.ceil(batchesPerEpoch / accumulation) * epochs
        : undefined;
    if (options.resumeFrom !== undefined) await this.loadCheckpoint(options.resumeFrom);
    this.stopTraining = false;
    const started = performance.now();
    this.model.train();
    await this.emit('onTrainBegin', this);

    while (this.position.epoch < epochs && this.position.step < maxSteps && !this.stopTraining) {
      const epoch = this.position.epoch;
      await this.emit('onEpochBegin', epoch, this);
      let index = 0;
      let accumulated: NamedGradients | undefined;
      let micro = 0;
      let lossSum = 0;
      let items = 0;
      let stepStarted = performance.now();
      const applyStep = async () => {
        const gradients = accumulated as NamedGradients;
        this.optimizer.learningRateFactor = this.options.schedule?.(this.position.step) ?? 1;
        tf.tidy(() => {
          // Partial accumulation at an epoch's end is averaged over the micro-batches it has.
          const scaled = micro === accumulation ? gradients : scale(gradients, accumulation / micro);
          const transformed = (this.options.gradientTransforms ?? []).reduce(
            (current, transform) => transform.apply(current, { step: this.position.step }),
            scaled,
          );
          this.optimizer.step(transformed);
        });
        tf.dispose(Object.values(gradients));
        accumulated = undefined;
        this.position.step += 1;
        const seconds = (performance.now() - stepStarted) / 1000;
        const logs: StepLogs = {
          step: this.position.step,
          epoch,
          loss: lossSum / micro,
          learningRate: this.optimizer.learningRates[0] ?? 0,
          itemsPerSecond: items / Math.max(seconds, 1e-9),
          elapsedSeconds: (performance.now() - started) / 1000,
          totalSteps: this.totalSteps,
        };
        micro = 0;
        lossSum = 0;
        items = 0;
        await this.emit('onStepEnd', logs, this);
        if (
          options.evaluationLoader !== undefined &&
          options.evaluateEvery !== undefined &&
          this.position.step % options.evaluateEvery === 0
        ) {
          await this.runEvaluation(options.evaluationLoader);
        }
        stepStarted = performance.now();
      };

      for await (const batch of loader.iterate(epoch)) {
        if (index < this.position.batchInEpoch) {
          index += 1; // consumed before the checkpoint this run resumed from
          tf.dispose(batch as tf.TensorContainer);
          continue;
        }
        const { loss, gradients, itemCount } = tf.tidy(() => {
          let count = 0;
          const result = computeGradients(this.model.trainableParameters(), () => {
            const output = this.task.forward(this.model, batch, { training: true });
            count = output.itemCount;
            return output.loss;
          });
          return { ...result, gradients: scale(result.gradients, 1 / accumulation), itemCount: count };
        });
        tf.dispose(batch as tf.TensorContainer);
        lossSum += (await loss.data())[0] as number;
        loss.dispose();
        items += itemCount;
        accumulated = accumulated === undefined ? gradients : addInto(accumulated, gradients);
        micro += 1;
        index += 1;
        this.position.batchInEpoch = index;
        if (micro === accumulation) await applyStep();
        if (this.position.step >= maxSteps || this.stopTraining) break;
      }
      if (accumulated !== undefined && this.position.step < maxSteps && !this.stopTraining) await applyStep();
      if (accumulated !== undefined) tf.dispose(Object.values(accumulated));
      const finishedEpoch =
        batchesPerEpoch === undefined ? !this.stopTraining : this.position.batchInEpoch >= batchesPerEpoch;
      if (!finishedEpoch) break;
      this.position = { step: this.position.step, epoch: epoch + 1, batchInEpoch: 0 };
      if (options.evaluationLoader !== undefined && options.evaluateEvery === undefined) {
        await this.runEvaluation(options.evaluationLoader);
      }
      await this.emit('onEpochEnd', epoch, this);
    }
    await this.emit('onTrainEnd', this);
  }

  private async runEvaluation(loader: AsyncIterable<Batch>): Promise<void> {
    const result = await this.evaluate(loader);
    const logs: EvaluationLogs = { step: this.position.step, epoch: this.position.epoch, ...result };
    await this.emit('onEvaluationEnd', logs, this);
  }

  /** Mean loss (weighted by item count) and the task's metrics over `loader`, in eval mode. */
  async evaluate(loader: AsyncIterable<Batch>): Promise<EvaluationResult> {
    const wasTraining = this.model.training;
    this.model.eval();
    const metrics = this.task.createMetrics?.() ?? [];
    let lossSum = 0;
    let items = 0;
    try {
      for await (const batch of loader) {
        const { loss, count } = tf.tidy(() => {
          const output = this.task.forward(this.model, batch, { training: false });
          if (output.predictions !== undefined && output.targets !== undefined) {
            for (const metric of metrics) metric.update(output.predictions, output.targets);
          }
          return { loss: output.loss, count: output.itemCount };
        });
        lossSum += ((await loss.data())[0] as number) * count;
        items += count;
        loss.dispose();
        tf.dispose(batch as tf.TensorContainer);
      }
    } finally {
      this.model.train(wasTraining);
    }
    if (items === 0) throw new TesseraError('E_TRAINER_EMPTY', 'the evaluation data yielded no items');
    return {
      loss: lossSum / items,
      metrics: Object.fromEntries(metrics.map((metric: Metric) => [metric.name, metric.compute() as number])),
    };
  }

  /** The task's predictions for every batch, concatenated along the first axis (caller disposes). */
  async predict(loader: AsyncIterable<Batch>): Promise<tf.Tensor> {
    const wasTraining = this.model.training;
    this.model.eval();
    const outputs: tf.Tensor[] = [];
    try {
      for await (const batch of loader) {
        outputs.push(
          tf.tidy(() => this.task.predict?.(this.model, batch) ?? (this.model.forward(batch as never) as tf.Tensor)),
        );
        tf.dispose(batch as tf.TensorContainer);
      }
    } finally {
      this.model.train(wasTraining);
    }
    const result = tf.concat(outputs, 0);
    tf.dispose(outputs);
    return result;
  }

  /** Saves model, optimizer, position, the global random state and callback extras. */
  async saveCheckpoint(directory: string): Promise<void> {
    await saveCheckpoint(directory, {
      model: this.model as Module<never[], unknown>,
      optimizer: this.optimizer,
      position: { ...this.position },
      random: getGlobalRandom().getState(),
      extra: structuredClone(this.extraState),
    });
  }

  /** Restores everything `saveCheckpoint` wrote. */
  async loadCheckpoint(directory: string): Promise<CheckpointContents> {
    const contents = await loadCheckpoint(directory, {
      model: this.model as Module<never[], unknown>,
      optimizer: this.optimizer,
    });
    this.position = { ...contents.position };
    getGlobalRandom().setState(contents.random);
    Object.assign(this.extraState, contents.extra);
    return contents;
  }
}

function scale(gradients: NamedGradients, factor: number): NamedGradients {
  if (factor === 1) return gradients;
  return Object.fromEntries(Object.entries(gradients).map(([name, gradient]) => [name, tf.mul(gradient, factor)]));
}

/** Sums `addition` into `total`, disposing both inputs' tensors; returns the new totals. */
function addInto(total: NamedGradients, addition: NamedGradients): NamedGradients {
  const summed: NamedGradients = { ...total };
  for (const [name, gradient] of Object.entries(addition)) {
    const previous = total[name];
    summed[name] = previous === undefined ? gradient : tf.add(previous, gradient);
    if (previous !== undefined) {
      previous.dispose();
      gradient.dispose();
    }
  }
  return summed;
}
