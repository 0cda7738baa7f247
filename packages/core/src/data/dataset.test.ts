import { describe, expect, it } from 'vitest';
import { TesseraError } from '../errors.js';
import { datasetFromArray, iterableDataset } from './dataset.js';
import { datasetFromColumns } from './dataset-from-columns.js';
import { concatDatasets, mapDataset, subset } from './dataset-transforms.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('datasetFromArray', () => {
  it('serves examples by index and rejects indices outside [0, length)', () => {
    const dataset = datasetFromArray(['a', 'b', 'c']);
    expect(dataset.length).toBe(3);
    expect([0, 1, 2].map((index) => dataset.get(index))).toEqual(['a', 'b', 'c']);
    expect(() => dataset.get(3)).toThrow(TesseraError);
    expect(() => dataset.get(3)).toThrow(
      /E_DATA_INDEX: index 3 is out of range for a dataset of length 3; use an integer in \[0, 2\]/,
    );
    expect(() => dataset.get(-1)).toThrow(/E_DATA_INDEX/);
    expect(() => dataset.get(1.5)).toThrow(/E_DATA_INDEX/);
    expect(() => datasetFromArray([]).get(0)).toThrow(/the dataset is empty/);
  });
});

describe('datasetFromColumns', () => {
  it('joins columns row by row: matrix rows are views, integer typed columns get an int32 hint', () => {
    const features = new Float32Array([0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
    const dataset = datasetFromColumns({
      features: { values: features, rowLength: 3 },
      labels: new Int32Array([2, 0, 1, 2]),
      weights: new Float64Array([0.5, 1, 1, 2]),
      names: ['w', 'x', 'y', 'z'],
    });
    expect(dataset.length).toBe(4);
    const example = dataset.get(2);
    expect(Array.from(example.features)).toEqual([20, 21, 22]);
    expect(example.features).toBeInstanceOf(Float32Array);
    expect(example.features.buffer).toBe(features.buffer); // a view, no copy
    expect(example).toMatchObject({ labels: 1, weights: 1, names: 'y' });
    expect(dataset.dtypes).toEqual({ labels: 'int32', weights: 'float32' });
    expect(() => dataset.get(4)).toThrow(/E_DATA_INDEX/);
  });

  it('rejects columns of different lengths and matrices that are not whole rows', () => {
    expect(() => datasetFromColumns({ features: [[1], [2], [3]], labels: new Int32Array(2) })).toThrow(
      /E_DATA_COLUMNS: columns have different numbers of rows \(features: 3, labels: 2\)/,
    );
    expect(() => datasetFromColumns({ features: { values: new Float32Array(10), rowLength: 3 } })).toThrow(
      /E_DATA_COLUMNS: column 'features' has 10 values, which is not a whole number of rows of length 3/,
    );
    expect(() => datasetFromColumns({})).toThrow(/E_DATA_COLUMNS/);
    expect(() => datasetFromColumns({ bad: 5 as never })).toThrow(/E_DATA_COLUMNS: column 'bad'/);
  });
});

describe('subset', () => {
  it('views the parent at the given indices, in that order, from a private copy', () => {
    const parent = datasetFromArray([10, 11, 12, 13, 14], { dtypes: { '': 'int32' } });
    const indices = [4, 0, 0, 2];
    const view = subset(parent, indices);
    indices[0] = 1; // later changes to the caller's array must not move the subset
    expect(view.length).toBe(4);
    expect([0, 1, 2, 3].map((index) => view.get(index))).toEqual([14, 10, 10, 12]);
    expect(view.dtypes).toEqual({ '': 'int32' });
    expect(() => view.get(4)).toThrow(/E_DATA_INDEX: index 4 is out of range for a subset of length 4/);
  });

  it('rejects parent indices out of range when it is built', () => {
    const parent = datasetFromArray([1, 2, 3]);
    expect(() => subset(parent, [0, 3])).toThrow(/E_DATA_INDEX: index 3 is out of range/);
    expect(() => subset(parent, [-1])).toThrow(/E_DATA_INDEX/);
  });
});

describe('mapDataset', () => {
  it('transforms map-style examples lazily, synchronously when the source is synchronous', async () => {
    const doubled = mapDataset(datasetFromArray([1, 2, 3]), (value, index) => ({ value: value * 2, index }));
    expect(doubled.length).toBe(3);
    expect(doubled.get(1)).toEqual({ value: 4, index: 1 });
    const asynchronous = mapDataset(doubled, async (example) => example.value + 1);
    await expect(asynchronous.get(2)).resolves.toBe(7);
    expect(() => doubled.get(3)).toThrow(/E_DATA_INDEX/);
  });

  it('transforms an iterable dataset in stream order', async () => {
    const source = iterableDataset(function* () {
      yield* ['a', 'b', 'c'];
    });
    const mapped = mapDataset(source, async (letter, index) => `${index}:${letter}`);
    expect(await collect(mapped)).toEqual(['0:a', '1:b', '2:c']);
    expect(await collect(mapped)).toEqual(['0:a', '1:b', '2:c']);
  });
});

describe('concatDatasets', () => {
  it('serves the parts one after another', () => {
    const joined = concatDatasets([
      datasetFromArray([0, 1]),
      datasetFromArray<number>([]),
      datasetFromArray([2, 3, 4]),
    ]);
    expect(joined.length).toBe(5);
    expect(Array.from({ length: 5 }, (_, index) => joined.get(index))).toEqual([0, 1, 2, 3, 4]);
    expect(() => joined.get(5)).toThrow(/E_DATA_INDEX/);
    expect(() => concatDatasets([])).toThrow(/E_DATA_DATASET/);
  });
});

describe('iterableDataset', () => {
  it('starts a new pass on every iteration and reports a known length', async () => {
    let passes = 0;
    const dataset = iterableDataset(
      async function* () {
        passes++;
        yield 1;
        yield 2;
      },
      { length: 2 },
    );
    expect(dataset.length).toBe(2);
    expect(await collect(dataset)).toEqual([1, 2]);
    expect(await collect(dataset)).toEqual([1, 2]);
    expect(passes).toBe(2);
    expect(() => iterableDataset((async function* () {})() as never)).toThrow(/E_DATA_DATASET/);
  });
});
