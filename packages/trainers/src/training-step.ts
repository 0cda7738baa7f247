import {
  type AnyModule,
  computeGradients,
  type GradientTransform,
  type LearningRateSchedule,
  type NamedGradients,
  type Optimizer,
  type Task,
  TesseraError,
  tf,
} from '@tessera/core';

export interface TrainingStepOptions<Batch> {
  model: AnyModule;
  task: Task<Batch, AnyModule>;
  optimizer: Optimizer<{ learningRate: number }>;
  /** Factor on the learning rate by optimizer step (see LearningRateSchedule). */
  schedule?: LearningRateSchedule;
  /** Applied in order between the gradients and the optimizer (clipping, DP-SGD…). */
  gradientTransforms?: GradientTransform[];
  /** Micro-batches whose gradients are averaged into one optimizer step (default 1). */
  gradientAccumulationSteps?: number;
}

/** What one optimizer update did; the trainer adds the run's position and clock to it. */
export interface TrainingStepResult {
  /** Mean loss over the step's micro-batches. */
  loss: number;
  /** The first parameter group's effective learning rate, after the schedule. */
  learningRate: number;
  /** Items (examples or tokens) the step's micro-batches held. */
  itemCount: number;
  /** Items per second since the clock was last restarted. */
  itemsPerSecond: number;
  /** Micro-batches averaged into the update (fewer than the accumulation steps at an epoch's end). */
  microBatches: number;
}

/**
 * One optimizer update, split the way gradient accumulation needs it (Keras's `train_step`,
 * Lightning's automatic optimization): `accumulate` runs the task forward and backward on a
 * micro-batch and adds its gradients, pre-divided by the accumulation steps, to running sums;
 * `apply` sends the sums through the gradient transforms to the optimizer under the schedule's
 * learning rate, and frees them. Between updates it holds no tensors.
 */
export class TrainingStep<Batch = unknown> {
  readonly gradientAccumulationSteps: number;
  private readonly options: TrainingStepOptions<Batch>;
  /** Running sums of the micro-batches' gradients, by parameter name. */
  private gradientSums: NamedGradients | undefined;
  private microBatches = 0;
  private lossSum = 0;
  private itemCount = 0;
  private clockStartedAt = performance.now();

  constructor(options: TrainingStepOptions<Batch>) {
    const accumulation = options.gradientAccumulationSteps ?? 1;
    if (!Number.isInteger(accumulation) || accumulation < 1) {
      throw new TesseraError(
        'E_TRAINER_OPTION',
        `gradientAccumulationSteps must be an integer ≥ 1, got ${accumulation}`,
      );
    }
    this.options = options;
    this.gradientAccumulationSteps = accumulation;
  }

  /** Micro-batches accumulated since the last update. */
  get pendingMicroBatches(): number {
    return this.microBatches;
  }

  /** True once `gradientAccumulationSteps` micro-batches wait for `apply`. */
  get isComplete(): boolean {
    return this.microBatches === this.gradientAccumulationSteps;
  }

  /** Starts timing the next update's throughput (the trainer leaves callbacks and evaluation out). */
  restartClock(): void {
    this.clockStartedAt = performance.now();
  }

  /** Forward and backward on one micro-batch in training mode; the caller still owns `batch`. */
  async accumulate(batch: Batch): Promise<void> {
    const { model, task } = this.options;
    const accumulation = this.gradientAccumulationSteps;
    const { loss, gradients, itemCount } = tf.tidy(() => {
      let count = 0;
      const result = computeGradients(model.trainableParameters(), () => {
        const output = task.forward(model, batch, { training: true });
        count = output.itemCount;
        return output.loss;
      });
      return { ...result, gradients: scale(result.gradients, 1 / accumulation), itemCount: count };
    });
    this.lossSum += (await loss.data())[0] as number;
    loss.dispose();
    this.itemCount += itemCount;
    this.gradientSums = this.gradientSums === undefined ? gradients : addInto(this.gradientSums, gradients);
    this.microBatches += 1;
  }

  /**
   * Updates the parameters from the accumulated gradients. `step` is the number of optimizer
   * updates taken before this one: the schedule and the gradient transforms see it.
   */
  apply(step: number): TrainingStepResult {
    const gradients = this.gradientSums;
    if (gradients === undefined) {
      throw new TesseraError('E_TRAINER_STEP', 'apply() needs at least one accumulate() since the last update');
    }
    const { optimizer, schedule, gradientTransforms = [] } = this.options;
    const microBatches = this.microBatches;
    const accumulation = this.gradientAccumulationSteps;
    optimizer.learningRateFactor = schedule?.(step) ?? 1;
    tf.tidy(() => {
      // Partial accumulation at an epoch's end is averaged over the micro-batches it has.
      const scaled = microBatches === accumulation ? gradients : scale(gradients, accumulation / microBatches);
      const transformed = gradientTransforms.reduce((current, transform) => transform.apply(current, { step }), scaled);
      optimizer.step(transformed);
    });
    tf.dispose(Object.values(gradients));
    this.gradientSums = undefined;
    const seconds = (performance.now() - this.clockStartedAt) / 1000;
    const result: TrainingStepResult = {
      loss: this.lossSum / microBatches,
      learningRate: optimizer.learningRates[0] ?? 0,
      itemCount: this.itemCount,
      itemsPerSecond: this.itemCount / Math.max(seconds, 1e-9),
      microBatches,
    };
    this.resetSums();
    return result;
  }

  /** Drops the micro-batches accumulated since the last update (e.g. when a run stops mid-step). */
  discard(): void {
    if (this.gradientSums !== undefined) tf.dispose(Object.values(this.gradientSums));
    this.gradientSums = undefined;
    this.resetSums();
  }

  private resetSums(): void {
    this.microBatches = 0;
    this.lossSum = 0;
    this.itemCount = 0;
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
