import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

describe('UnsortedSegmentSum fill', () => {
  it('matches the cpu kernel with duplicate and out-of-range ids, float32 and int32', async () => {
    const random = seededRandom(5);
    for (let c = 0; c < 20; c++) {
      const rows = randomInteger(random, 1, 40);
      const inner = Array.from({ length: randomInteger(random, 0, 2) }, () => randomInteger(random, 1, 5));
      const numSegments = randomInteger(random, 1, 12);
      // Some ids fall outside [0, numSegments): TensorFlow drops those rows.
      const ids = Int32Array.from({ length: rows }, () => randomInteger(random, -2, numSegments + 1));
      const shape = [rows, ...inner];
      const size = shape.reduce((a, b) => a * b, 1);
      const dtype = c % 4 === 3 ? 'int32' : 'float32';
      const values = randomValues(random, size).map((v) => (dtype === 'int32' ? Math.round(v * 100) : v));
      const compute = () =>
        tf.unsortedSegmentSum(tf.tensor(values, shape, dtype), tf.tensor1d(ids, 'int32'), numSegments);
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);
      expect(actual.shape).toEqual([numSegments, ...inner]);
      // TensorFlow keeps int32 sums int32 (tfjs-cpu returns float32); compare the values.
      expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-4);
    }
  });

  it('sums over leading dimensions when the ids are multi-dimensional, as TensorFlow defines it', async () => {
    const ids = [
      [0, 2],
      [2, 5],
    ];
    const data = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ];
    const { shape, values } = await runOn(
      'wasm',
      () =>
        tf.engine().runKernel(
          tf.UnsortedSegmentSum,
          { x: tf.tensor3d(data), segmentIds: tf.tensor2d(ids, undefined, 'int32') },
          {
            numSegments: 3,
          },
        ) as tf.Tensor,
    );
    // Segment 0 ← [1,2]; segment 2 ← [3,4] + [5,6]; id 5 is out of range and dropped.
    expect(shape).toEqual([3, 2]);
    expect(Array.from(values)).toEqual([1, 2, 0, 0, 8, 10]);
  });

  it('gives the gradient of gather (an embedding lookup) equal to cpu', async () => {
    const random = seededRandom(6);
    for (let c = 0; c < 6; c++) {
      const vocabulary = randomInteger(random, 2, 30);
      const dimension = randomInteger(random, 1, 16);
      const tokens = Int32Array.from({ length: randomInteger(random, 1, 64) }, () =>
        randomInteger(random, 0, vocabulary - 1),
      );
      const table = randomValues(random, vocabulary * dimension);
      const upstream = randomValues(random, tokens.length * dimension);
      const gradient = () =>
        tf.grad((embedding: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.gather(embedding, tf.tensor1d(tokens, 'int32')),
              tf.tensor2d(upstream, [tokens.length, dimension]),
            ),
          ),
        )(tf.tensor2d(table, [vocabulary, dimension]));
      const expected = await runOn('cpu', gradient);
      const actual = await runOn('wasm', gradient);
      expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-4);
    }
  });
});
