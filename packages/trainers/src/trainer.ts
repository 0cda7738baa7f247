import {
  type AnyModule,
  type DataLoader,
  getGlobalRandom,
  type Metric,
  type Module,
  type Optimizer,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';
import type { Callback, EvaluationLogs, StepLogs, TrainerHandle } from './callback.js';
import { type CheckpointContents, loadCheckpoint, saveCheckpoint, type TrainerPosition } from './checkpoint.js';
import { applyTrainingPrecision, TRAINING_PRECISIONS, type TrainingPrecision } from './training-precision.js';
import { TrainingStep, type TrainingStepOptions } from './training-step.js';

export interface TrainerOptions<Batch> extends TrainingStepOptions<Batch> {
  callbacks?: Callback[];
  /**
   * What `fit`, `evaluate` and `predict` compute in: `'fp32'`, or `'bf16-mixed'` (matrix products,
   * linear layers, attention and convolutions in bfloat16 with float32 accumulation; weights,
   * optimizer state, norms, softmax and losses float32), on a backend with 16-bit kernels (`torch`,
   * `torch-cuda`); others refuse it with `E_TRAINER_PRECISION`. The backend computes in it while
   * they run and in fp32 after. Unset: the backend's precision is left as it is (fp32 unless set).
   */
  precision?: TrainingPrecision;
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

/** What one `fit` call runs to, fixed when it starts. */
interface FitPlan<Batch> {
  epochs: number;
  maxSteps: number;
  /** The loader's batches per epoch, when it knows them. */
  batchesPerEpoch: number | undefined;
  /** The step budget reported to callbacks (progress, ETA), when known. */
  totalSteps: number | undefined;
  evaluationLoader: AsyncIterable<Batch> | undefined;
  evaluateEvery: number | undefined;
  /** `performance.now()` when training began (after any resume), for `elapsedSeconds`. */
  startedAt: number;
}

/**
 * The training loop for any model and `Task`: epochs or a step budget, gradient accumulation,
 * gradient transforms, a learning-rate schedule stepped per optimizer update, evaluation, and
 * callbacks. Each update is a `TrainingStep` (accumulate micro-batches, then apply); the trainer
 * owns the position, the callbacks and the checkpoints. A run resumed from a checkpoint continues
 * exactly as the uninterrupted run: the data order is a function of (seed, epoch), consumed
 * batches are skipped, and the model, optimizer and random-generator states are restored.
 */
export class Trainer<Batch = unknown> implements TrainerHandle {
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
  /** Holds the gradients of the micro-batches since the last update (none between updates). */
  private readonly trainingStep: TrainingStep<Batch>;
  /** fit / evaluate / predict calls running (evaluate runs inside fit), for the precision scope. */
  private precisionScopes = 0;
  /** What the backend computed in before the outermost precision scope began (restored after it). */
  private precisionBefore: TrainingPrecision = 'fp32';

  constructor(options: TrainerOptions<Batch>) {
    this.trainingStep = new TrainingStep(options); // validates gradientAccumulationSteps
    if (options.precision !== undefined && !(TRAINING_PRECISIONS as readonly string[]).includes(options.precision)) {
      throw new TesseraError(
        'E_TRAINER_OPTION',
        `precision must be one of ${TRAINING_PRECISIONS.join(', ')}, got '${String(options.precision)}'`,
      );
    }
    this.options = options;
    this.model = options.model;
    this.task = options.task;
    this.optimizer = options.optimizer;
  }

  /**
   * Runs `body` with the backend computing in the trainer's precision, and puts back the precision
   * it computed in before once the outermost fit / evaluate / predict returns (a scope, as
   * torch.autocast's). A failure to put it back never hides the body's own error.
   */
  private async inPrecision<T>(body: () => Promise<T>): Promise<T> {
    const precision = this.options.precision;
    if (precision === undefined) return body();
    if (this.precisionScopes === 0) this.precisionBefore = await applyTrainingPrecision(precision);
    this.precisionScopes += 1;
    let failed = false;
    try {
      return await body();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.precisionScopes -= 1;
      if (this.precisionScopes === 0 && this.precisionBefore !== precision) {
        const restore = applyTrainingPrecision(this.precisionBefore);
        if (failed) await restore.catch(() => undefined);
        else await restore;
      }
    }
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
    await this.inPrecision(() => this.runFit(loader, options));
  }

  private async runFit(loader: DataLoader<unknown, Batch>, options: FitOptions<Batch>): Promise<void> {
    if (options.resumeFrom !== undefined) await this.loadCheckpoint(options.resumeFrom);
    const plan = this.planFit(loader, options);
    this.stopTraining = false;
    this.model.train();
    await this.emit('onTrainBegin', this);
    while (this.position.epoch < plan.epochs && this.mayTakeStep(plan)) {
      const finishedEpoch = await this.trainEpoch(loader, plan);
      if (!finishedEpoch) break;
      await this.endEpoch(plan);
    }
    await this.emit('onTrainEnd', this);
  }

  private planFit(loader: DataLoader<unknown, Batch>, options: FitOptions<Batch>): FitPlan<Batch> {
    const epochs = options.epochs ?? (options.maxSteps === undefined ? 1 : Number.POSITIVE_INFINITY);
    const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
    const batchesPerEpoch = loader.length;
    const stepsPerEpoch =
      batchesPerEpoch === undefined
        ? undefined
        : Math.ceil(batchesPerEpoch / this.trainingStep.gradientAccumulationSteps);
    return {
      epochs,
      maxSteps,
      batchesPerEpoch,
      totalSteps: Number.isFinite(maxSteps)
        ? maxSteps
        : stepsPerEpoch !== undefined && Number.isFinite(epochs)
          ? stepsPerEpoch * epochs
          : undefined,
      evaluationLoader: options.evaluationLoader,
      evaluateEvery: options.evaluateEvery,
      startedAt: performance.now(),
    };
  }

  /** Neither the step budget nor a callback has ended the run. */
  private mayTakeStep(plan: FitPlan<Batch>): boolean {
    return this.position.step < plan.maxSteps && !this.stopTraining;
  }

  /**
   * Runs the epoch in progress from `position.batchInEpoch` on; true when it consumed every
   * batch (false when the step budget or a callback stopped it part-way).
   */
  private async trainEpoch(loader: DataLoader<unknown, Batch>, plan: FitPlan<Batch>): Promise<boolean> {
    await this.emit('onEpochBegin', this.position.epoch, this);
    this.trainingStep.restartClock();
    try {
      let index = 0;
      for await (const batch of loader.iterate(this.position.epoch)) {
        if (index < this.position.batchInEpoch) {
          index += 1; // consumed before the checkpoint this run resumed from
          tf.dispose(batch as tf.TensorContainer);
          continue;
        }
        try {
          await this.trainingStep.accumulate(batch);
        } finally {
          tf.dispose(batch as tf.TensorContainer);
        }
        index += 1;
        this.position.batchInEpoch = index;
        if (this.trainingStep.isComplete) await this.applyStep(plan);
        if (!this.mayTakeStep(plan)) break;
      }
      // The epoch's last micro-batches make an update of their own, even when fewer than the accumulation steps.
      if (this.trainingStep.pendingMicroBatches > 0 && this.mayTakeStep(plan)) await this.applyStep(plan);
    } finally {
      this.trainingStep.discard(); // what a stopped run accumulated after its last update
    }
    return plan.batchesPerEpoch === undefined ? !this.stopTraining : this.position.batchInEpoch >= plan.batchesPerEpoch;
  }

  /** One optimizer update, then its callbacks and any evaluation that falls due. */
  private async applyStep(plan: FitPlan<Batch>): Promise<void> {
    const result = this.trainingStep.apply(this.position.step);
    this.position.step += 1;
    const logs: StepLogs = {
      step: this.position.step,
      epoch: this.position.epoch,
      loss: result.loss,
      learningRate: result.learningRate,
      itemsPerSecond: result.itemsPerSecond,
      elapsedSeconds: (performance.now() - plan.startedAt) / 1000,
      totalSteps: plan.totalSteps,
    };
    await this.emit('onStepEnd', logs, this);
    if (
      plan.evaluationLoader !== undefined &&
      plan.evaluateEvery !== undefined &&
      this.position.step % plan.evaluateEvery === 0
    ) {
      await this.runEvaluation(plan.evaluationLoader);
    }
    this.trainingStep.restartClock(); // the next step's throughput leaves out callbacks and evaluation
  }

  /** Moves the position to the next epoch, evaluates when evaluation is per epoch, and tells the callbacks. */
  private async endEpoch(plan: FitPlan<Batch>): Promise<void> {
    const epoch = this.position.epoch;
    this.position = { step: this.position.step, epoch: epoch + 1, batchInEpoch: 0 };
    if (plan.evaluationLoader !== undefined && plan.evaluateEvery === undefined) {
      await this.runEvaluation(plan.evaluationLoader);
    }
    await this.emit('onEpochEnd', epoch, this);
  }

  private async runEvaluation(loader: AsyncIterable<Batch>): Promise<void> {
    const result = await this.evaluate(loader);
    const logs: EvaluationLogs = { step: this.position.step, epoch: this.position.epoch, ...result };
    await this.emit('onEvaluationEnd', logs, this);
  }

  /** Mean loss (weighted by item count) and the task's metrics over `loader`, in eval mode. */
  async evaluate(loader: AsyncIterable<Batch>): Promise<EvaluationResult> {
    return this.inPrecision(() => this.runEvaluate(loader));
  }

  private async runEvaluate(loader: AsyncIterable<Batch>): Promise<EvaluationResult> {
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
    return this.inPrecision(() => this.runPredict(loader));
  }

  private async runPredict(loader: AsyncIterable<Batch>): Promise<tf.Tensor> {
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

  /** Restores everything `saveCheckpoint` wrote (from its previous copy if a save was killed midway). */
  async loadCheckpoint(directory: string): Promise<CheckpointContents & { readFrom: string }> {
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
