import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

describe('heap-to-heap Slice override on wasm', () => {
  it('matches cpu for random slices of ranks 1–6, int32 and bool, whole and empty slices', async () => {
    const random = seededRandom(51);
    const cases: Array<{ shape: number[]; begin: number[]; size: number[]; dtype?: 'int32' | 'bool' }> = [
      { shape: [12, 8, 24], begin: [0, 0, 8], size: [12, 8, 8] }, // attention's query/key/value thirds
      { shape: [4, 5], begin: [0, 0], size: [4, 5] }, // the whole tensor
      { shape: [4, 5], begin: [1, 0], size: [2, -1] }, // contiguous rows, -1 to the end
      { shape: [4, 5], begin: [2, 3], size: [0, 2] }, // empty
      { shape: [3, 4, 5], begin: [1, 1, 1], size: [2, 2, 3], dtype: 'int32' },
      { shape: [3, 4, 5], begin: [0, 2, 0], size: [3, 1, 5], dtype: 'bool' },
    ];
    for (let trial = 0; trial < 12; trial++) {
      const rank = randomInteger(random, 1, 6);
      const shape = Array.from({ length: rank }, () => randomInteger(random, 1, 5));
      const begin = shape.map((dimension) => randomInteger(random, 0, dimension - 1));
      const size = shape.map((dimension, axis) => randomInteger(random, 1, dimension - (begin[axis] as number)));
      cases.push({ shape, begin, size });
    }
    for (const { shape, begin, size, dtype } of cases) {
      const count = shape.reduce((product, dimension) => product * dimension, 1);
      const values = Array.from(randomValues(random, count), (value) =>
        dtype === undefined ? value : value > 0 ? 1 : 0,
      );
      const compute = () => tf.slice(tf.tensor(values, shape, dtype ?? 'float32'), begin, size);
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);
      const label = JSON.stringify({ shape, begin, size, dtype });
      expect(actual.shape, label).toEqual(expected.shape);
      expect(Array.from(actual.values), label).toEqual(Array.from(expected.values));
    }
  });

  it("gives the gradient of a sliced projection equal to cpu's", async () => {
    const random = seededRandom(52);
    const x = randomValues(random, 2 * 3 * 12);
    const gradient = () =>
      tf.grad((input: tf.Tensor) => {
        const [a, b] = [tf.slice(input, [0, 0, 0], [2, 3, 4]), tf.slice(input, [0, 0, 4], [2, 3, 4])];
        return tf.sum(tf.mul(tf.square(a), b));
      })(tf.tensor3d(x, [2, 3, 12]));
    const expected = await runOn('cpu', gradient);
    const actual = await runOn('wasm', gradient);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-6);
  });

  it('SplitV matches cpu: attention thirds, sizes with -1, every axis of ranks 1–5, int32 and bool, and its gradient', async () => {
    const random = seededRandom(53);
    const cases: Array<{ shape: number[]; splits: number | number[]; axis: number; dtype?: 'int32' | 'bool' }> = [
      { shape: [12, 8, 24], splits: 3, axis: 2 }, // attention's fused query/key/value projection
      { shape: [6, 5], splits: [2, -1, 1], axis: 1 },
      { shape: [4, 3, 2], splits: 2, axis: 0, dtype: 'int32' },
      { shape: [3, 4], splits: [1, 3], axis: -1, dtype: 'bool' },
    ];
    for (let trial = 0; trial < 10; trial++) {
      const rank = randomInteger(random, 1, 5);
      const shape = Array.from({ length: rank }, () => randomInteger(random, 1, 5));
      const axis = randomInteger(random, 0, rank - 1);
      const first = randomInteger(random, 0, shape[axis] as number);
      cases.push({ shape, splits: [first, (shape[axis] as number) - first], axis });
    }
    for (const { shape, splits, axis, dtype } of cases) {
      const count = shape.reduce((product, dimension) => product * dimension, 1);
      const values = Array.from(randomValues(random, count), (value) =>
        dtype === undefined ? value : value > 0 ? 1 : 0,
      );
      const parts = typeof splits === 'number' ? splits : splits.length;
      for (let part = 0; part < parts; part++) {
        const compute = () => tf.split(tf.tensor(values, shape, dtype ?? 'float32'), splits, axis)[part]!;
        const expected = await runOn('cpu', compute);
        const actual = await runOn('wasm', compute);
        const label = JSON.stringify({ shape, splits, axis, dtype, part });
        expect(actual.shape, label).toEqual(expected.shape);
        expect(Array.from(actual.values), label).toEqual(Array.from(expected.values));
      }
    }
    const x = randomValues(random, 2 * 3 * 12);
    const gradient = () =>
      tf.grad((input: tf.Tensor) => {
        const [a, b, c] = tf.split(input, 3, 2);
        return tf.sum(tf.mul(tf.mul(a!, b!), tf.square(c!)));
      })(tf.tensor3d(x, [2, 3, 12]));
    const expected = await runOn('cpu', gradient);
    const actual = await runOn('wasm', gradient);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-6);
  });
});
