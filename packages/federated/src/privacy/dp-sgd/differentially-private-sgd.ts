import {
  type AnyModule,
  type GradientTransform,
  type NamedGradients,
  type Task,
  type TaskOutput,
  TesseraError,
  tf,
} from '@tessera/core';
import { RdpAccountant } from '../accountant/rdp-accountant.js';
import { type PerExampleContribution, squaredNorms, weightedSum } from '../per-example/contributions.js';
import {
  disposeRecordedBatch,
  ExampleGradientRecorder,
  type LossReduction,
} from '../per-example/example-gradient-recorder.js';
import { createGaussianNoise, type GaussianNoise } from './gaussian-noise.js';

export interface DifferentiallyPrivateSGDOptions {
  /** σ: the noise's standard deviation is σ · maxGradientNorm. */
  noiseMultiplier: number;
  /** C: each example's whole gradient (all parameters together) is clipped to this L2 norm. */
  maxGradientNorm: number;
  /** q · N: the noisy sum is divided by this (Opacus's expected_batch_size), not by the drawn batch's size. */
  expectedBatchSize: number;
  /** q, for the accountant: each step is recorded as one sampled Gaussian release at this rate. */
  samplingRate: number;
  /** How the task's loss combines examples (default 'mean'). */
  lossReduction?: LossReduction;
  /** Seed for reproducible noise; default: noise from the secure generator (see createGaussianNoise). */
  seed?: number;
  /** Placeholder batches of empty Poisson draws, which get weight 0 (PoissonSampledLoader.isEmptyDraw). */
  isEmptyDraw?: (batch: unknown) => boolean;
  /**
   * On the first step, check that the per-example gradients sum to the batch gradient the
   * trainer computed (default true). A mismatch means a parameter is used outside its layer's
   * forward (e.g. a tied weight in a matMul), which per-example recording cannot see.
   */
  checkFirstStep?: boolean;
  /** Where steps are recorded; default a new RdpAccountant. */
  accountant?: RdpAccountant;
}

/** Statistics of the last private step, for logging. */
export interface PrivateStepStatistics {
  step: number;
  batchSize: number;
  /** Fraction of the batch whose gradient norm exceeded C. */
  clippedFraction: number;
  /** Mean per-example gradient norm before clipping. */
  meanGradientNorm: number;
}

/**
 * DP-SGD (Abadi et al. 2016) for any model, task and optimizer, as the pair the Trainer
 * composes: `wrapTask(task)` records per-example gradients during training forward passes, and
 * `gradientTransform` replaces the batch gradient with
 *
 *   (Σᵢ clip_C(gᵢ) + N(0, σ²C²·I)) / expectedBatchSize,   clip_C(g) = g · min(1, C / (‖g‖ + 1e-6))
 *
 * where gᵢ is example i's gradient over all parameters, computed from the batch's single backward
 * pass. Each step is recorded in the accountant as one sampled Gaussian release (σ, q). Use it
 * with Poisson-sampled batches (PoissonSampledLoader) for the accountant's guarantee to hold, and
 * one batch per optimizer step (no gradient accumulation).
 */
export class DifferentiallyPrivateSGD {
  readonly noiseMultiplier: number;
  readonly maxGradientNorm: number;
  readonly expectedBatchSize: number;
  readonly samplingRate: number;
  readonly lossReduction: LossReduction;
  readonly accountant: RdpAccountant;
  readonly noise: GaussianNoise;
  /** Set after every private step. */
  lastStep: PrivateStepStatistics | undefined;
  private readonly recorder: ExampleGradientRecorder;
  private readonly isEmptyDraw: (batch: unknown) => boolean;
  private checkPending: boolean;
  private emptyDrawPending = false;

  constructor(
    readonly model: AnyModule,
    options: DifferentiallyPrivateSGDOptions,
  ) {
    const { noiseMultiplier, maxGradientNorm, expectedBatchSize, samplingRate } = options;
    if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
      throw new TesseraError('E_DP_OPTION', `noiseMultiplier must be a finite number ≥ 0, got ${noiseMultiplier}`);
    }
    if (!(maxGradientNorm > 0) || !Number.isFinite(maxGradientNorm)) {
      throw new TesseraError('E_DP_OPTION', `maxGradientNorm must be a positive number, got ${maxGradientNorm}`);
    }
    if (!(expectedBatchSize > 0)) {
      throw new TesseraError('E_DP_OPTION', `expectedBatchSize must be positive, got ${expectedBatchSize}`);
    }
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new TesseraError('E_DP_OPTION', `samplingRate must be in (0, 1], got ${samplingRate}`);
    }
    this.noiseMultiplier = noiseMultiplier;
    this.maxGradientNorm = maxGradientNorm;
    this.expectedBatchSize = expectedBatchSize;
    this.samplingRate = samplingRate;
    this.lossReduction = options.lossReduction ?? 'mean';
    this.accountant = options.accountant ?? new RdpAccountant();
    this.noise = createGaussianNoise({ seed: options.seed });
    this.isEmptyDraw = options.isEmptyDraw ?? (() => false);
    this.checkPending = options.checkFirstStep !== false;
    this.recorder = new ExampleGradientRecorder(model);
  }

  /**
   * `task` with per-example recording around its training forward passes; evaluation and
   * prediction pass through unchanged. Give this task, not the original, to the Trainer.
   */
  wrapTask<Batch, Model extends AnyModule>(task: Task<Batch, Model>): Task<Batch, Model> {
    return {
      ...task,
      forward: (model: Model, batch: Batch, context: { training: boolean }): TaskOutput => {
        if (!context.training) return task.forward(model, batch, context);
        if (model !== (this.model as unknown)) {
          throw new TesseraError(
            'E_DP_MODEL',
            'the task was given a different model from the one DP-SGD was attached to',
          );
        }
        const output = this.recorder.record(() => task.forward(model, batch, context));
        this.emptyDrawPending = this.isEmptyDraw(batch);
        return output;
      },
    };
  }

  /** The GradientTransform that clips per example, adds the noise and normalises; goes in the trainer's gradientTransforms. */
  get gradientTransform(): GradientTransform {
    return {
      name: `dpSgd(σ=${this.noiseMultiplier}, C=${this.maxGradientNorm})`,
      apply: (gradients, context) => this.privatize(gradients, context.step),
    };
  }

  /** ε spent so far at δ (RDP accountant, Balle et al. 2020 conversion). */
  getEpsilon(delta: number): number {
    return this.accountant.getEpsilon(delta);
  }

  /** Stops recording and restores the model's layers. */
  detach(): void {
    this.recorder.detach();
  }

  private privatize(batchGradients: NamedGradients, step: number): NamedGradients {
    const recorded = this.recorder.takeBatch(this.lossReduction);
    try {
      return tf.tidy(() => {
        const names = [...recorded.contributions.keys()];
        if (this.checkPending)
          this.checkAgainstBatchGradients(batchGradients, recorded.contributions, recorded.batchSize);
        const norms = tf.sqrt(
          tf.addN(names.map((name) => squaredNorms(recorded.contributions.get(name) as PerExampleContribution))),
        ); // [batch]
        let coefficients = tf.minimum(1, tf.div(this.maxGradientNorm, tf.add(norms, 1e-6))) as tf.Tensor1D; // [batch]
        if (this.emptyDrawPending) coefficients = tf.zerosLike(coefficients);
        this.recordStatistics(norms, step, recorded.batchSize);
        const normalizer = this.lossReduction === 'mean' ? this.expectedBatchSize : 1;
        const standardDeviation = this.noiseMultiplier * this.maxGradientNorm;
        const result: NamedGradients = {};
        names.forEach((name, index) => {
          const clippedSum = weightedSum(recorded.contributions.get(name) as PerExampleContribution, coefficients);
          const noisy =
            standardDeviation === 0
              ? clippedSum
              : tf.add(clippedSum, this.noise.sample(clippedSum.shape, standardDeviation, step, index));
          result[name] = tf.div(noisy, normalizer);
        });
        // A parameter the trainer differentiated but no layer recorded would be updated without privacy.
        const unrecorded = Object.keys(batchGradients).filter((name) => !(name in result));
        if (unrecorded.length > 0) {
          throw new TesseraError(
            'E_DP_UNTRACKED_PARAMETER',
            `no per-example gradients were recorded for ${unrecorded.join(', ')}: was the layer skipped in this forward pass, or used outside its forward?`,
          );
        }
        this.accountant.step({ noiseMultiplier: this.noiseMultiplier, samplingRate: this.samplingRate });
        return result;
      });
    } finally {
      disposeRecordedBatch(recorded);
      this.emptyDrawPending = false;
    }
  }

  private recordStatistics(norms: tf.Tensor1D, step: number, batchSize: number): void {
    const values = norms.dataSync();
    let clipped = 0;
    let total = 0;
    for (const value of values) {
      total += value;
      if (value > this.maxGradientNorm) clipped += 1;
    }
    this.lastStep = {
      step,
      batchSize: this.emptyDrawPending ? 0 : batchSize,
      clippedFraction: clipped / values.length,
      meanGradientNorm: total / values.length,
    };
  }

  /** Σᵢ gᵢ must equal the batch gradient (scaled back for 'mean'): else some use of a parameter went unrecorded. */
  private checkAgainstBatchGradients(
    batchGradients: NamedGradients,
    contributions: Map<string, PerExampleContribution>,
    batchSize: number,
  ): void {
    this.checkPending = false;
    const scale = this.lossReduction === 'mean' ? 1 / batchSize : 1;
    const ones = tf.fill([batchSize], scale) as tf.Tensor1D;
    const mismatched: string[] = [];
    for (const [name, contribution] of contributions) {
      const expected = batchGradients[name];
      if (expected === undefined) continue;
      const summed = weightedSum(contribution, ones);
      const error = tf.max(tf.abs(tf.sub(summed, expected))).dataSync()[0] as number;
      const size = tf.max(tf.abs(expected)).dataSync()[0] as number;
      if (error > 1e-3 * size + 1e-6)
        mismatched.push(`${name} (max difference ${error.toExponential(2)} of ${size.toExponential(2)})`);
    }
    if (mismatched.length > 0) {
      throw new TesseraError(
        'E_DP_UNTRACKED_PARAMETER',
        `the per-example gradients do not add up to the batch gradient for ${mismatched.join(', ')}: the parameter is also used outside its layer's forward (a tied weight?), which per-example recording cannot see`,
      );
    }
  }
}
