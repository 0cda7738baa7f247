import { TesseraError } from '../errors.js';

/**
 * The dtype a numeric field is collated to. `float32` is the default for plain numbers; `int32`
 * suits class labels and token ids (embedding lookups and sparse losses need it); `bool` masks.
 */
export type CollateDtype = 'float32' | 'int32' | 'bool';

/**
 * Dtype hints for default collation, keyed by the dotted path of a field inside an example:
 * `'labels'`, `'inputs.tokenIds'`, `'1'` for the second element of a tuple, `''` for the example
 * itself when examples are bare numbers. A hint overrides the dtype collation would infer.
 */
export type FieldDtypes = Readonly<Record<string, CollateDtype>>;

/**
 * A map-style dataset (PyTorch's `Dataset`): a known number of examples, each fetched by index.
 * `get` may be synchronous (in-memory data) or return a promise (files, network). Indices are
 * integers in [0, length); anything else should throw `E_DATA_INDEX` (see {@link checkIndex}).
 *
 * Examples should be plain data (numbers, typed arrays, number arrays, strings, objects of
 * those) rather than tensors, so that fetching an example never allocates GPU/wasm memory and
 * the loader's collation is the only place batch tensors are created.
 */
export interface Dataset<Example> {
  readonly length: number;
  get(index: number): Example | Promise<Example>;
  /** Optional dtype hints for the default collation (e.g. `int32` for an `Int32Array` label column). */
  readonly dtypes?: FieldDtypes;
}

/** A map-style dataset whose examples are already in memory, so `get` is synchronous. */
export interface InMemoryDataset<Example> extends Dataset<Example> {
  get(index: number): Example;
}

/**
 * A dataset read as a stream (PyTorch's `IterableDataset`, tf.data's `Dataset`): examples arrive
 * in order and the length may be unknown. Each call to `[Symbol.asyncIterator]()` must start a
 * new pass over the data, because a loader iterates it once per epoch; wrap a generator
 * function with {@link iterableDataset} rather than passing a generator object, which is
 * exhausted after one pass.
 */
export interface IterableDataset<Example> extends AsyncIterable<Example> {
  /** The number of examples when known, else undefined. */
  readonly length?: number | undefined;
  readonly dtypes?: FieldDtypes;
}

/** Either kind of dataset; the loader accepts both. */
export type AnyDataset<Example> = Dataset<Example> | IterableDataset<Example>;

/** True when `dataset` is map-style (has a numeric `length` and a `get` method). */
export function isMapDataset<Example>(dataset: AnyDataset<Example>): dataset is Dataset<Example> {
  const candidate = dataset as Partial<Dataset<Example>>;
  return typeof candidate.get === 'function' && typeof candidate.length === 'number';
}

/** True when `dataset` can be iterated with `for await`. */
export function isIterableDataset<Example>(dataset: AnyDataset<Example>): dataset is IterableDataset<Example> {
  return (
    dataset !== null &&
    typeof dataset === 'object' &&
    typeof (dataset as Partial<AsyncIterable<Example>>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Throws `E_DATA_INDEX` unless `index` is an integer in [0, length). Negative indices are
 * rejected rather than counted from the end: in a training pipeline they are almost always an
 * off-by-one, and silently wrapping would hide it.
 */
export function checkIndex(index: number, length: number, what = 'dataset'): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    const valid = length === 0 ? `the ${what} is empty` : `use an integer in [0, ${length - 1}]`;
    throw new TesseraError(
      'E_DATA_INDEX',
      `index ${index} is out of range for a ${what} of length ${length}; ${valid}`,
    );
  }
}

/** Throws `E_DATA_DATASET` unless `length` is a non-negative integer. */
export function checkLength(length: unknown, what: string): asserts length is number {
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    throw new TesseraError(
      'E_DATA_DATASET',
      `${what} has length ${String(length)}; a dataset's length must be a non-negative integer`,
    );
  }
}

/**
 * A map-style dataset over an in-memory array of examples. The array is referenced, not
 * copied, so building a dataset over a large array is free; do not mutate it while a loader runs.
 */
export function datasetFromArray<Example>(
  examples: readonly Example[],
  options: { dtypes?: FieldDtypes } = {},
): InMemoryDataset<Example> {
  if (!Array.isArray(examples)) {
    throw new TesseraError('E_DATA_DATASET', 'datasetFromArray expects an array of examples');
  }
  return {
    get length() {
      return examples.length;
    },
    get(index: number): Example {
      checkIndex(index, examples.length);
      return examples[index] as Example;
    },
    ...(options.dtypes ? { dtypes: options.dtypes } : {}),
  };
}

/**
 * An iterable dataset from a function that starts a new pass each time it is called (an async
 * or sync generator function, or anything returning an iterable). Give `length` when it is
 * known, so a loader can report its number of batches.
 *
 * @example
 * const lines = iterableDataset(async function* () { for await (const line of readLines(path)) yield parse(line); });
 */
export function iterableDataset<Example>(
  startPass: () => AsyncIterable<Example> | Iterable<Example>,
  options: { length?: number; dtypes?: FieldDtypes } = {},
): IterableDataset<Example> {
  if (typeof startPass !== 'function') {
    throw new TesseraError(
      'E_DATA_DATASET',
      'iterableDataset expects a function that starts a new pass (e.g. an async generator function), not an iterator',
    );
  }
  if (options.length !== undefined) checkLength(options.length, 'iterableDataset');
  return {
    length: options.length,
    ...(options.dtypes ? { dtypes: options.dtypes } : {}),
    async *[Symbol.asyncIterator]() {
      yield* startPass();
    },
  };
}
