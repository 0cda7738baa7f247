import {
  type Collated,
  type CollateFunction,
  type Dataset,
  type FieldDtypes,
  type Module,
  type Task,
  TesseraError,
} from '@tessera/core';
import type { Callback } from '@tessera/trainers';
import { computeNoiseMultiplier } from '../accountant/privacy-spent.js';
import { DEFAULT_RDP_ORDERS } from '../accountant/sampled-gaussian-rdp.js';
import type { LossReduction } from '../per-example/example-gradient-recorder.js';
import { DifferentiallyPrivateSGD } from './differentially-private-sgd.js';
import { PoissonSampledLoader } from './poisson-sampled-loader.js';
import { privacyCheckpointing } from './privacy-checkpointing.js';

export interface MakePrivateOptions<Example, Batch = Collated<Example>> {
  // biome-ignore lint/suspicious/noExplicitAny: any module signature.
  model: Module<any[], unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: any task over that model.
  task: Task<Batch, any>;
  /** The private training data, map-style: Poisson sampling draws from all of it. */
  dataset: Dataset<Example>;
  /** q · N examples per batch on average (or give samplingRate). */
  expectedBatchSize?: number;
  samplingRate?: number;
  /** C. */
  maxGradientNorm: number;
  /** σ; or give targetEpsilon, targetDelta and epochs to have it computed. */
  noiseMultiplier?: number;
  targetEpsilon?: number;
  targetDelta?: number;
  epochs?: number;
  /** Passed to computeNoiseMultiplier (default 0.01). */
  epsilonTolerance?: number;
  lossReduction?: LossReduction;
  /** Seeds the sampling and the noise for a reproducible run (experiments only: see createGaussianNoise). */
  seed?: number;
  collate?: CollateFunction<Example, Batch>;
  dtypes?: FieldDtypes;
}

export interface PrivateTraining<Example, Batch = Collated<Example>> {
  /** The task to give the Trainer: records per-example gradients in training. */
  // biome-ignore lint/suspicious/noExplicitAny: the task keeps its model type.
  task: Task<Batch, any>;
  /** Poisson-sampled batches; give it to `trainer.fit`. */
  loader: PoissonSampledLoader<Example, Batch>;
  /** The DP-SGD step; put it in the Trainer's gradientTransforms. */
  privacy: DifferentiallyPrivateSGD;
  noiseMultiplier: number;
  /** Trainer callbacks: keep the accountant in checkpoints, so a resumed run counts on. */
  callbacks: Callback[];
  /** ε spent so far at δ. */
  getEpsilon(delta: number): number;
}

/**
 * Everything DP-SGD needs around an existing model, task and dataset, as Opacus's
 * `PrivacyEngine.make_private` (and `make_private_with_epsilon` when a target ε is given instead
 * of σ): a Poisson-sampled loader, the per-example recording task and the clipping + noise
 * transform, sharing one accountant.
 *
 * ```ts
 * const { task, loader, privacy, callbacks } = makePrivate({ model, task: classificationTask(), dataset,
 *   expectedBatchSize: 256, noiseMultiplier: 1.3, maxGradientNorm: 1.0 });
 * const trainer = new Trainer({ model, task, optimizer: new SGD(model.trainableParameters(), { learningRate: 0.25 }),
 *   gradientTransforms: [privacy.gradientTransform], callbacks });
 * await trainer.fit(loader, { epochs: 15 });
 * privacy.getEpsilon(1e-5);
 * ```
 */
export function makePrivate<Example, Batch = Collated<Example>>(
  options: MakePrivateOptions<Example, Batch>,
): PrivateTraining<Example, Batch> {
  const loader = new PoissonSampledLoader<Example, Batch>(options.dataset, {
    samplingRate: options.samplingRate,
    expectedBatchSize: options.expectedBatchSize,
    seed: options.seed,
    collate: options.collate,
    dtypes: options.dtypes,
  });
  let noiseMultiplier = options.noiseMultiplier;
  const { targetEpsilon, targetDelta, epochs } = options;
  if (noiseMultiplier === undefined) {
    if (targetEpsilon === undefined || targetDelta === undefined || epochs === undefined) {
      throw new TesseraError(
        'E_DP_OPTION',
        'give noiseMultiplier, or targetEpsilon, targetDelta and epochs to compute it',
      );
    }
    noiseMultiplier = computeNoiseMultiplier({
      samplingRate: loader.samplingRate,
      targetEpsilon,
      delta: targetDelta,
      steps: epochs * loader.stepsPerEpoch,
      epsilonTolerance: options.epsilonTolerance,
      orders: DEFAULT_RDP_ORDERS,
    }).noiseMultiplier;
  } else if (targetEpsilon !== undefined) {
    throw new TesseraError('E_DP_OPTION', 'give either noiseMultiplier or targetEpsilon, not both');
  }
  const privacy = new DifferentiallyPrivateSGD(options.model, {
    noiseMultiplier,
    maxGradientNorm: options.maxGradientNorm,
    expectedBatchSize: loader.expectedBatchSize,
    samplingRate: loader.samplingRate,
    lossReduction: options.lossReduction,
    seed: options.seed,
    isEmptyDraw: (batch) => loader.isEmptyDraw(batch),
  });
  return {
    task: privacy.wrapTask(options.task),
    loader,
    privacy,
    noiseMultiplier,
    callbacks: [privacyCheckpointing(privacy.accountant)],
    getEpsilon: (delta) => privacy.getEpsilon(delta),
  };
}
