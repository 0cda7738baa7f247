import { TesseraError } from '../errors.js';
import { createRandomGenerator, type RandomGenerator } from '../random/random-generator.js';
import { type Collated, type CollateFunction, defaultCollate } from './collate.js';
import {
  type AnyDataset,
  checkLength,
  type Dataset,
  type FieldDtypes,
  type IterableDataset,
  isIterableDataset,
  isMapDataset,
} from './dataset.js';
import { checkSeed, deriveSeed } from './derive-seed.js';
import { shardRange } from './shard-range.js';
import { shuffleWithBuffer } from './shuffle-buffer.js';

/** Options of {@link DataLoader}. Every field is optional; the defaults are PyTorch's. */
export interface DataLoaderOptions<Example, Batch> {
  /** Examples per batch. Default 1. */
  batchSize?: number;
  /** Shuffle each epoch. Default false (examples in dataset order). */
  shuffle?: boolean;
  /** Seed of the shuffle; epoch e's order is a pure function of (seed, e). Default 0. */
  seed?: number;
  /** Drop the last batch when it has fewer than `batchSize` examples. Default false. */
  dropLast?: boolean;
  /** Turns an array of examples into a batch. Default {@link defaultCollate} (tensors). */
  collate?: CollateFunction<Example, Batch>;
  /** Dtype hints for the default collation, merged over the dataset's own `dtypes`. */
  dtypes?: FieldDtypes;
  /**
   * Iterable datasets only: how many examples the shuffle buffer holds (see
   * {@link shuffleWithBuffer}). Default 1024. Map-style datasets are always shuffled with a full
   * permutation, so they ignore it.
   */
  shuffleBufferSize?: number;
  /** The epoch the first plain `for await` iterates (to resume a run). Default 0. */
  epoch?: number;
  /**
   * Data-parallel training: this worker's share of every batch. Every worker builds the same
   * loader (same dataset, batch size, seed) with its own `rank`, so batch b is the same global
   * batch everywhere and each collates only its contiguous rows of it. A `DataParallelGroup`
   * (joinDataParallel) fits as is. A final batch smaller than `worldSize` is dropped on every
   * worker, so all take the same number of steps.
   */
  shard?: { rank: number; worldSize: number };
}

const DEFAULT_SHUFFLE_BUFFER_SIZE = 1024;

function checkPositiveInteger(value: unknown, name: string, code: `E_${string}`, example: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TesseraError(code, `${name} must be a positive integer, got ${String(value)}; pass e.g. { ${example} }`);
  }
  return value;
}

function checkEpoch(epoch: unknown): number {
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw new TesseraError('E_DATA_EPOCH', `epoch must be a non-negative integer, got ${String(epoch)}`);
  }
  return epoch;
}

/** Async and sync generator objects return themselves from [Symbol.asyncIterator], so a second epoch would be empty. */
function isOneShotIterator(dataset: object): boolean {
  const tag = Object.prototype.toString.call(dataset);
  return tag === '[object AsyncGenerator]' || tag === '[object Generator]';
}

/**
 * Batches a dataset for training and evaluation (PyTorch's `DataLoader`, idiomatic TS):
 *
 * ```ts
 * const loader = new DataLoader(dataset, { batchSize: 32, shuffle: true, seed: 7, dropLast: true });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for await (const batch of loader.iterate(epoch)) {
 *     // ... train on batch ...
 *     tf.dispose(batch); // the batch's tensors belong to the consumer
 *   }
 * }
 * ```
 *
 * **Epochs and determinism.** Epoch e's order depends only on (seed, e), never on how many
 * epochs ran before, so a run resumed at epoch e reproduces it. `iterate(e)` names the epoch
 * explicitly; a plain `for await (const batch of loader)` iterates `loader.epoch` and advances it
 * by one (so consecutive loops see epochs 0, 1, 2, …, and never the same order twice by
 * accident); `setEpoch(e)` sets the epoch that plain iteration uses next.
 *
 * **Map-style datasets** are shuffled by a full permutation; `length` is the number of batches.
 * While the consumer works on one batch the examples of the next are already being fetched, so
 * an async `get` overlaps with training. **Iterable datasets** are read as a stream, shuffled
 * through a seeded buffer, and batched as examples arrive; `length` is known only when the
 * dataset's is.
 *
 * **Memory.** Tensors are created only by collation, one batch at a time, when the consumer asks
 * for it. Every yielded batch belongs to the consumer, who disposes it (`tf.dispose(batch)`);
 * the loader keeps no reference, and stopping early (`break`) leaves nothing allocated.
 */
export class DataLoader<Example, Batch = Collated<Example>> implements AsyncIterable<Batch> {
  readonly dataset: AnyDataset<Example>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly shuffleBufferSize: number;
  readonly shard: { rank: number; worldSize: number } | undefined;
  private readonly collate: CollateFunction<Example, Batch>;
  private nextEpoch: number;

  constructor(dataset: AnyDataset<Example>, options: DataLoaderOptions<Example, Batch> = {}) {
    if (dataset === null || typeof dataset !== 'object') {
      throw new TesseraError('E_DATA_DATASET', 'DataLoader needs a dataset object (map-style or iterable)');
    }
    if (isMapDataset(dataset)) checkLength(dataset.length, 'the dataset');
    else if (!isIterableDataset(dataset)) {
      throw new TesseraError(
        'E_DATA_DATASET',
        'DataLoader needs a map-style dataset ({ length, get(index) }) or an iterable one ([Symbol.asyncIterator])',
      );
    } else if (isOneShotIterator(dataset)) {
      throw new TesseraError(
        'E_DATA_ITERABLE',
        'the dataset is a generator object, which can be iterated only once, but a loader iterates it once per ' +
          'epoch; pass iterableDataset(() => generate()) so each epoch starts a new pass',
      );
    } else if (dataset.length !== undefined) checkLength(dataset.length, 'the iterable dataset');

    this.dataset = dataset;
    this.batchSize = checkPositiveInteger(options.batchSize ?? 1, 'batchSize', 'E_DATA_BATCH_SIZE', 'batchSize: 32');
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    checkSeed(this.seed, 'DataLoader seed');
    this.dropLast = options.dropLast ?? false;
    this.shuffleBufferSize = checkPositiveInteger(
      options.shuffleBufferSize ?? DEFAULT_SHUFFLE_BUFFER_SIZE,
      'shuffleBufferSize',
      'E_DATA_BUFFER_SIZE',
      'shuffleBufferSize: 10000',
    );
    this.nextEpoch = checkEpoch(options.epoch ?? 0);
    this.shard = checkShard(options.shard, this.batchSize);

    if (options.collate !== undefined && options.dtypes !== undefined) {
      throw new TesseraError(
        'E_DATA_OPTIONS',
        'dtypes configures the default collation, so it has no effect with a custom collate; ' +
          'pass one or the other (e.g. collate: createCollate({ dtypes }))',
      );
    }
    if (options.collate !== undefined) {
      if (typeof options.collate !== 'function') {
        throw new TesseraError('E_DATA_OPTIONS', 'collate must be a function (examples) => batch');
      }
      this.collate = options.collate;
    } else {
      const dtypes = { ...dataset.dtypes, ...options.dtypes };
      this.collate = (examples) => defaultCollate(examples, { dtypes }) as Batch;
    }
  }

  /** The number of batches per epoch; undefined for an iterable dataset of unknown length. */
  get length(): number | undefined {
    const examples = this.dataset.length;
    if (examples === undefined) return undefined;
    const full = Math.floor(examples / this.batchSize);
    const tail = examples - full * this.batchSize;
    return full + (this.keepsTail(tail) ? 1 : 0);
  }

  /** Whether a final batch of `size` (< batchSize) examples is yielded. */
  private keepsTail(size: number): boolean {
    return size > 0 && !this.dropLast && size >= (this.shard?.worldSize ?? 1);
  }

  /** This worker's part [start, end) of a batch of `size` examples (all of it without `shard`). */
  private shardOf(size: number): { start: number; end: number } {
    return this.shard === undefined ? { start: 0, end: size } : shardRange(size, this.shard.rank, this.shard.worldSize);
  }

  /** The epoch the next plain `for await (… of loader)` iterates. */
  get epoch(): number {
    return this.nextEpoch;
  }

  /** Sets the epoch the next plain `for await (… of loader)` iterates (e.g. when resuming). */
  setEpoch(epoch: number): void {
    this.nextEpoch = checkEpoch(epoch);
  }

  /**
   * The dataset indices in the order epoch `epoch` visits them (map-style datasets only), before
   * `dropLast` removes the tail: batch b is `order.subarray(b * batchSize, (b + 1) * batchSize)`.
   */
  indexOrder(epoch: number): Int32Array {
    checkEpoch(epoch);
    if (!isMapDataset(this.dataset)) {
      throw new TesseraError('E_DATA_ITERABLE', 'indexOrder needs a map-style dataset; an iterable one has no indices');
    }
    const length = this.dataset.length;
    if (this.shuffle) return this.epochRandom(epoch).permutation(length);
    return Int32Array.from({ length }, (_, index) => index);
  }

  /** The batches of epoch `epoch`; does not change `loader.epoch`. */
  iterate(epoch: number): AsyncIterable<Batch> {
    checkEpoch(epoch);
    const dataset = this.dataset;
    return {
      [Symbol.asyncIterator]: () =>
        isMapDataset(dataset)
          ? this.mapBatches(dataset, epoch)
          : this.streamBatches(dataset as IterableDataset<Example>, epoch),
    };
  }

  /** The batches of epoch `loader.epoch`, which then advances by one. */
  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    const epoch = this.nextEpoch;
    this.nextEpoch = epoch + 1;
    return this.iterate(epoch)[Symbol.asyncIterator]();
  }

  private epochRandom(epoch: number): RandomGenerator {
    return createRandomGenerator(deriveSeed(this.seed, epoch));
  }

  private async *mapBatches(dataset: Dataset<Example>, epoch: number): AsyncGenerator<Batch, void, undefined> {
    const order = this.indexOrder(epoch);
    const batchCount = this.length as number;
    const fetch = async (batch: number): Promise<Example[]> => {
      const indices = order.subarray(batch * this.batchSize, (batch + 1) * this.batchSize);
      const { start, end } = this.shardOf(indices.length);
      return Promise.all(Array.from(indices.subarray(start, end), (index) => dataset.get(index)));
    };
    let pending: Promise<Example[]> | undefined = batchCount > 0 ? fetch(0) : undefined;
    for (let batch = 0; batch < batchCount; batch++) {
      const examples = await (pending as Promise<Example[]>);
      pending = batch + 1 < batchCount ? fetch(batch + 1) : undefined;
      // If the consumer stops early the prefetch is abandoned; keep its failure from surfacing
      // as an unhandled rejection (it is still thrown when awaited above).
      pending?.catch(() => undefined);
      yield this.collate(examples);
    }
  }

  private async *streamBatches(
    dataset: IterableDataset<Example>,
    epoch: number,
  ): AsyncGenerator<Batch, void, undefined> {
    const source = this.shuffle ? shuffleWithBuffer(dataset, this.shuffleBufferSize, this.epochRandom(epoch)) : dataset;
    let examples: Example[] = [];
    for await (const example of source) {
      examples.push(example);
      if (examples.length === this.batchSize) {
        const { start, end } = this.shardOf(examples.length);
        const batch = this.collate(start === 0 && end === examples.length ? examples : examples.slice(start, end));
        examples = [];
        yield batch;
      }
    }
    if (this.keepsTail(examples.length)) {
      const { start, end } = this.shardOf(examples.length);
      yield this.collate(examples.slice(start, end));
    }
  }
}

function checkShard(
  shard: { rank: number; worldSize: number } | undefined,
  batchSize: number,
): { rank: number; worldSize: number } | undefined {
  if (shard === undefined) return undefined;
  const { rank, worldSize } = shard;
  if (
    !Number.isSafeInteger(worldSize) ||
    worldSize < 1 ||
    !Number.isSafeInteger(rank) ||
    rank < 0 ||
    rank >= worldSize
  ) {
    throw new TesseraError(
      'E_DATA_SHARD',
      `shard needs an integer rank in [0, worldSize), got rank ${rank} of ${worldSize}`,
    );
  }
  if (batchSize < worldSize) {
    throw new TesseraError(
      'E_DATA_SHARD',
      `batchSize ${batchSize} is smaller than the ${worldSize} workers sharing each batch; use a batch of at least ${worldSize}`,
    );
  }
  return { rank, worldSize };
}

/** `new DataLoader(dataset, options)`, for call sites that prefer a function. */
export function createDataLoader<Example, Batch = Collated<Example>>(
  dataset: AnyDataset<Example>,
  options: DataLoaderOptions<Example, Batch> = {},
): DataLoader<Example, Batch> {
  return new DataLoader(dataset, options);
}
