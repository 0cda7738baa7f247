import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { initBackend } from '../init-backend.js';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from './test-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('transposed BatchMatMul override on wasm', () => {
  it('matches cpu for every transpose combination, batch broadcasting and degenerate sizes', async () => {
    const random = seededRandom(21);
    const shapes: Array<{ batchA: number[]; batchB: number[]; m: number; k: number; n: number }> = [
      { batchA: [], batchB: [], m: 7, k: 5, n: 3 },
      { batchA: [3], batchB: [3], m: 4, k: 6, n: 2 },
      { batchA: [2, 1], batchB: [1, 3], m: 3, k: 4, n: 5 }, // broadcast batch dims
      { batchA: [2], batchB: [], m: 1, k: 1, n: 1 },
      { batchA: [], batchB: [], m: 0, k: 3, n: 4 }, // empty output
    ];
    for (let trial = 0; trial < 4; trial++) {
      shapes.push({
        batchA: [randomInteger(random, 1, 3)],
        batchB: [1],
        m: randomInteger(random, 1, 17),
        k: randomInteger(random, 1, 17),
        n: randomInteger(random, 1, 17),
      });
    }
    for (const { batchA, batchB, m, k, n } of shapes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
          const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
          const aValues = randomValues(
            random,
            aShape.reduce((p, d) => p * d, 1),
          );
          const bValues = randomValues(
            random,
            bShape.reduce((p, d) => p * d, 1),
          );
          const compute = () =>
            tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
          const expected = await runOn('cpu', compute);
          const actual = await runOn('wasm', compute); // runOn also checks that no tensor leaks
          const label = JSON.stringify({ aShape, bShape, transposeA, transposeB });
          expect(actual.shape, label).toEqual(expected.shape);
          expect(relativeError(actual.values, expected.values), label).toBeLessThan(1e-5);
        }
      }
    }
  });

  it("gives Linear's gradients (the transposed products) equal to cpu's", async () => {
    const random = seededRandom(22);
    const x = randomValues(random, 6 * 10);
    const w = randomValues(random, 10 * 4);
    const gradients = () => {
      const [dx, dw] = tf.grads((input: tf.Tensor, weight: tf.Tensor) => tf.sum(tf.square(tf.matMul(input, weight))))([
        tf.tensor2d(x, [6, 10]),
        tf.tensor2d(w, [10, 4]),
      ]) as [tf.Tensor, tf.Tensor];
      return tf.concat([tf.reshape(dx, [-1]), tf.reshape(dw, [-1])]);
    };
    const expected = await runOn('cpu', gradients);
    const actual = await runOn('wasm', gradients);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
  });
});
