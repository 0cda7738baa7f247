import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

describe('heap-to-heap GatherV2 override on wasm', () => {
  it('matches cpu for embedding lookups, every axis of ranks 1–4, 2-D ids, int32 and bool, repeated and empty ids', async () => {
    const random = seededRandom(61);
    const cases: Array<{ shape: number[]; ids: number[]; idsShape: number[]; axis: number; dtype?: 'int32' | 'bool' }> =
      [
        { shape: [65, 16], ids: [0, 64, 3, 3, 10], idsShape: [5], axis: 0 }, // an embedding table
        { shape: [7, 1], ids: [6, 0, 6, 2, 1, 0], idsShape: [2, 3], axis: 0 }, // bias lookups, 2-D ids
        { shape: [3, 5, 4], ids: [4, 0, 2], idsShape: [3], axis: 1 },
        { shape: [3, 5, 4], ids: [3, 3], idsShape: [2], axis: -1, dtype: 'int32' },
        { shape: [4, 2], ids: [1, 0, 3], idsShape: [3], axis: 0, dtype: 'bool' },
        { shape: [4, 3], ids: [], idsShape: [0], axis: 0 },
      ];
    for (let trial = 0; trial < 12; trial++) {
      const rank = randomInteger(random, 1, 4);
      const shape = Array.from({ length: rank }, () => randomInteger(random, 1, 5));
      const axis = randomInteger(random, 0, rank - 1);
      const count = randomInteger(random, 1, 6);
      const ids = Array.from({ length: count }, () => randomInteger(random, 0, (shape[axis] as number) - 1));
      cases.push({ shape, ids, idsShape: [count], axis });
    }
    for (const { shape, ids, idsShape, axis, dtype } of cases) {
      const size = shape.reduce((product, dimension) => product * dimension, 1);
      const values = Array.from(randomValues(random, size), (value) =>
        dtype === undefined ? value : dtype === 'int32' ? Math.round(value * 100) : value > 0 ? 1 : 0,
      );
      const compute = () =>
        tf.gather(tf.tensor(values, shape, dtype ?? 'float32'), tf.tensor(ids, idsShape, 'int32'), axis);
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);
      const label = JSON.stringify({ shape, ids, axis, dtype });
      expect(actual.shape, label).toEqual(expected.shape);
      expect(Array.from(actual.values), label).toEqual(Array.from(expected.values));
    }
  });

  it("gives an embedding table's gradient equal to cpu's, and refuses ids outside the table", async () => {
    const random = seededRandom(62);
    const table = randomValues(random, 9 * 4);
    const upstream = randomValues(random, 2 * 3 * 4);
    const gradient = () =>
      tf.grad((weights: tf.Tensor) =>
        tf.sum(
          tf.mul(
            tf.gather(weights, tf.tensor2d([1, 8, 1, 0, 4, 8], [2, 3], 'int32')),
            tf.tensor3d(upstream, [2, 3, 4]),
          ),
        ),
      )(tf.tensor2d(table, [9, 4]));
    const expected = await runOn('cpu', gradient);
    const actual = await runOn('wasm', gradient);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    await tf.setBackend('wasm');
    const x = tf.zeros([3, 2]);
    const outside = tf.tensor1d([0, 3], 'int32');
    expect(() => tf.gather(x, outside)).toThrow(/E_GATHER_INDEX: gather index 3 is outside \[0, 2\]/);
    tf.dispose([x, outside]);
  });
});
