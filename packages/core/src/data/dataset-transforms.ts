import { TesseraError } from '../errors.js';
import {
  type AnyDataset,
  checkIndex,
  checkLength,
  type Dataset,
  type FieldDtypes,
  type IterableDataset,
  isIterableDataset,
  isMapDataset,
} from './dataset.js';

/** A view of some examples of a map-style dataset, in the order of `indices`. */
export interface Subset<Example> extends Dataset<Example> {
  readonly dataset: Dataset<Example>;
  /** The parent dataset's index for each example of the subset (a private copy). */
  readonly indices: Int32Array;
}

/**
 * The examples of `dataset` at `indices`, in that order (PyTorch's `Subset`). Indices are
 * checked once, here, against the parent's current length (`E_DATA_INDEX`), and copied, so later
 * changes to the caller's array do not change the subset. Repeated indices are allowed
 * (oversampling). The parent's dtype hints carry over.
 */
export function subset<Example>(dataset: Dataset<Example>, indices: ArrayLike<number>): Subset<Example> {
  if (!isMapDataset(dataset)) {
    throw new TesseraError('E_DATA_DATASET', 'subset needs a map-style dataset (with length and get)');
  }
  const parentLength = dataset.length;
  const copy = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i] as number;
    checkIndex(index, parentLength, 'dataset (in subset indices)');
    copy[i] = index;
  }
  return {
    dataset,
    indices: copy,
    length: copy.length,
    get(index: number) {
      checkIndex(index, copy.length, 'subset');
      return dataset.get(copy[index] as number);
    },
    ...(dataset.dtypes ? { dtypes: dataset.dtypes } : {}),
  };
}

/**
 * A dataset whose examples are `transform(example, index)` of the source's, computed lazily on
 * each access (PyTorch's `Dataset` with a transform, tf.data's `map`): use it for parsing,
 * normalisation and augmentation. Map-style in, map-style out; iterable in, iterable out, where
 * `index` is the example's position in the current pass. The transform may be async. Because
 * the example type changes, the source's dtype hints are dropped; pass `options.dtypes` for the
 * new examples. A transform that draws random numbers should take its generator from the
 * caller, so augmentation stays seeded.
 */
export function mapDataset<Example, Mapped>(
  dataset: Dataset<Example>,
  transform: (example: Example, index: number) => Mapped | Promise<Mapped>,
  options?: { dtypes?: FieldDtypes },
): Dataset<Mapped>;
export function mapDataset<Example, Mapped>(
  dataset: IterableDataset<Example>,
  transform: (example: Example, index: number) => Mapped | Promise<Mapped>,
  options?: { dtypes?: FieldDtypes },
): IterableDataset<Mapped>;
export function mapDataset<Example, Mapped>(
  dataset: AnyDataset<Example>,
  transform: (example: Example, index: number) => Mapped | Promise<Mapped>,
  options: { dtypes?: FieldDtypes } = {},
): AnyDataset<Mapped> {
  if (typeof transform !== 'function') {
    throw new TesseraError('E_DATA_DATASET', 'mapDataset needs a transform function (example, index) => mapped');
  }
  const hints = options.dtypes ? { dtypes: options.dtypes } : {};
  if (isMapDataset(dataset)) {
    return {
      get length() {
        return dataset.length;
      },
      get(index: number) {
        const example = dataset.get(index);
        // Stay synchronous when the source is, so in-memory pipelines pay no promise per example.
        return example instanceof Promise
          ? example.then((value) => transform(value, index))
          : transform(example, index);
      },
      ...hints,
    };
  }
  if (isIterableDataset(dataset)) {
    return {
      length: dataset.length,
      ...hints,
      async *[Symbol.asyncIterator]() {
        let index = 0;
        for await (const example of dataset) yield await transform(example, index++);
      },
    };
  }
  throw new TesseraError('E_DATA_DATASET', 'mapDataset needs a map-style or an iterable dataset');
}

/**
 * The examples of several map-style datasets one after another (PyTorch's `ConcatDataset`).
 * Lengths are read once, here. Dtype hints carry over when every part has the same ones.
 */
export function concatDatasets<Example>(datasets: readonly Dataset<Example>[]): Dataset<Example> {
  if (!Array.isArray(datasets) || datasets.length === 0) {
    throw new TesseraError('E_DATA_DATASET', 'concatDatasets needs a non-empty array of map-style datasets');
  }
  // ends[i] is the total length of datasets[0..i]; a lookup is a binary search over it.
  const ends: number[] = [];
  let total = 0;
  datasets.forEach((dataset, position) => {
    if (!isMapDataset(dataset)) {
      throw new TesseraError('E_DATA_DATASET', `concatDatasets: part ${position} is not a map-style dataset`);
    }
    checkLength(dataset.length, `concatDatasets part ${position}`);
    total += dataset.length;
    ends.push(total);
  });
  const first = JSON.stringify(datasets[0]?.dtypes ?? null);
  const sameHints = datasets.every((dataset) => JSON.stringify(dataset.dtypes ?? null) === first);
  return {
    length: total,
    get(index: number) {
      checkIndex(index, total);
      let low = 0;
      let high = ends.length - 1;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (index < (ends[middle] as number)) high = middle;
        else low = middle + 1;
      }
      const start = low === 0 ? 0 : (ends[low - 1] as number);
      return (datasets[low] as Dataset<Example>).get(index - start);
    },
    ...(sameHints && datasets[0]?.dtypes ? { dtypes: datasets[0].dtypes } : {}),
  };
}
