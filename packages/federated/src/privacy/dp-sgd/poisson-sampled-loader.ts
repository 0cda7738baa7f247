import {
  type Collated,
  type CollateFunction,
  createRandomGenerator,
  DataLoader,
  type Dataset,
  defaultCollate,
  type FieldDtypes,
  isMapDataset,
  type RandomGenerator,
  TesseraError,
} from '@tessera/core';

export interface PoissonSampledLoaderOptions<Example, Batch = Collated<Example>> {
  /** Probability q with which each example joins each batch… */
  samplingRate?: number;
  /** …or the expected batch size q · N. Give exactly one. */
  expectedBatchSize?: number;
  /** Batches per epoch; default ⌊1/q⌋, as Opacus's UniformWithReplacementSampler. */
  stepsPerEpoch?: number;
  /**
   * Seed of the sampling: epoch e's batches are a function of (seed, e), so a resumed run
   * draws the same ones. Default: a seed from the operating system's secure generator.
   */
  seed?: number;
  collate?: CollateFunction<Example, Batch>;
  dtypes?: FieldDtypes;
}

function secureSeed(): number {
  const words = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return (words[0] as number) * 2097152 + ((words[1] as number) >>> 11); // 53 bits
}

/**
 * Poisson sampling for DP-SGD (Opacus's DPDataLoader): every batch includes each example
 * independently with probability q, so batch sizes vary around q · N. The privacy analysis of
 * the sampled Gaussian mechanism assumes exactly this sampling; shuffled fixed-size batches do
 * not have its guarantee.
 *
 * An empty draw still has to be a step (skipping it would reveal that it was empty), so the
 * loader then yields a placeholder batch of example 0 and marks it: `isEmptyDraw(batch)` is true,
 * and DP-SGD gives it weight 0, making the step pure noise.
 *
 * A DataLoader, so the Trainer runs it unchanged: `length` is the steps per epoch.
 */
export class PoissonSampledLoader<Example, Batch = Collated<Example>> extends DataLoader<Example, Batch> {
  readonly samplingRate: number;
  readonly stepsPerEpoch: number;
  readonly samplingSeed: number;
  private readonly examples: Dataset<Example>;
  private readonly collateExamples: CollateFunction<Example, Batch>;
  private readonly emptyDraws = new WeakSet<object>();

  constructor(dataset: Dataset<Example>, options: PoissonSampledLoaderOptions<Example, Batch>) {
    if (dataset === null || typeof dataset !== 'object' || !isMapDataset(dataset) || dataset.length < 1) {
      throw new TesseraError(
        'E_DP_SAMPLER',
        'Poisson sampling needs a non-empty map-style dataset ({ length, get(index) }): every example must be drawable',
      );
    }
    super(dataset, { batchSize: 1, collate: options.collate, dtypes: options.dtypes });
    if ((options.samplingRate === undefined) === (options.expectedBatchSize === undefined)) {
      throw new TesseraError('E_DP_SAMPLER', 'give exactly one of samplingRate and expectedBatchSize');
    }
    const samplingRate = options.samplingRate ?? (options.expectedBatchSize as number) / dataset.length;
    if (!(samplingRate > 0 && samplingRate <= 1)) {
      throw new TesseraError(
        'E_DP_SAMPLER',
        `the sampling rate must be in (0, 1], got ${samplingRate} (expected batch size ${options.expectedBatchSize ?? samplingRate * dataset.length} of ${dataset.length} examples)`,
      );
    }
    const stepsPerEpoch = options.stepsPerEpoch ?? Math.max(1, Math.floor(1 / samplingRate));
    if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch > 0)) {
      throw new TesseraError('E_DP_SAMPLER', `stepsPerEpoch must be a positive integer, got ${stepsPerEpoch}`);
    }
    this.samplingRate = samplingRate;
    this.stepsPerEpoch = stepsPerEpoch;
    this.samplingSeed = options.seed ?? secureSeed();
    if (!Number.isSafeInteger(this.samplingSeed)) {
      throw new TesseraError('E_DP_SAMPLER', `seed must be a safe integer, got ${this.samplingSeed}`);
    }
    this.examples = dataset;
    const dtypes = { ...dataset.dtypes, ...options.dtypes };
    this.collateExamples = options.collate ?? ((examples) => defaultCollate(examples, { dtypes }) as Batch);
  }

  /** The expected batch size q · N, by which DP-SGD divides the noisy gradient sum. */
  get expectedBatchSize(): number {
    return this.samplingRate * this.examples.length;
  }

  override get length(): number {
    return this.stepsPerEpoch;
  }

  /** True for the placeholder batch an empty draw yields (see the class comment). */
  isEmptyDraw(batch: unknown): boolean {
    return typeof batch === 'object' && batch !== null && this.emptyDraws.has(batch);
  }

  /** The dataset indices of each batch of epoch `epoch`: independent Bernoulli(q) draws per example. */
  sampleIndices(epoch: number): Int32Array[] {
    if (!(Number.isInteger(epoch) && epoch >= 0)) {
      throw new TesseraError('E_DATA_EPOCH', `epoch must be a non-negative integer, got ${epoch}`);
    }
    const random = createRandomGenerator(this.samplingSeed, epoch);
    return Array.from({ length: this.stepsPerEpoch }, () => this.drawBatch(random));
  }

  /** One Poisson sample: the gaps between included indices are geometric, so this costs O(batch), not O(N). */
  private drawBatch(random: RandomGenerator): Int32Array {
    const count = this.examples.length;
    if (this.samplingRate === 1) return Int32Array.from({ length: count }, (_, index) => index);
    const logFailure = Math.log1p(-this.samplingRate);
    const indices: number[] = [];
    let index = -1;
    for (;;) {
      const uniform = 1 - random.nextFloat(); // (0, 1]
      index += 1 + Math.floor(Math.log(uniform) / logFailure);
      if (index >= count) return Int32Array.from(indices);
      indices.push(index);
    }
  }

  override indexOrder(): Int32Array {
    throw new TesseraError('E_DP_SAMPLER', 'a Poisson-sampled loader has no fixed order; use sampleIndices(epoch)');
  }

  override iterate(epoch: number): AsyncIterable<Batch> {
    const batches = this.sampleIndices(epoch);
    const loader = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (const indices of batches) {
          const empty = indices.length === 0;
          const examples = await Promise.all(Array.from(empty ? [0] : indices, (index) => loader.examples.get(index)));
          const batch = loader.collateExamples(examples);
          if (empty) loader.markEmpty(batch);
          yield batch;
        }
      },
    };
  }

  private markEmpty(batch: Batch): void {
    if (typeof batch !== 'object' || batch === null) {
      throw new TesseraError('E_DP_SAMPLER', 'an empty draw needs batches that are objects, to mark the placeholder');
    }
    this.emptyDraws.add(batch);
  }
}
