import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

describe('shared-data Identity override on wasm', () => {
  it('gives the same values as cpu, for float32, int32 and bool', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const values = [1, 0, 3, 0, 5, 6];
      const compute = () => tf.clone(tf.tensor(values, [2, 3], dtype));
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute);
      expect(actual.shape).toEqual([2, 3]);
      expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    }
  });

  it('keeps the copy alive and unchanged when the original is disposed or its variable reassigned', async () => {
    await tf.setBackend('wasm');
    const original = tf.tensor([1, 2, 3]);
    const copy = tf.clone(original);
    original.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3]);
    const variable = tf.variable(tf.tensor([4, 5]));
    const snapshot = tf.clone(variable);
    variable.assign(tf.tensor([7, 8]));
    expect(Array.from(await snapshot.data())).toEqual([4, 5]);
    const bytes = tf.memory().numBytes;
    tf.dispose([copy, snapshot, variable]);
    expect(tf.memory().numBytes).toBeLessThan(bytes);
  });

  it("passes gradients through (a residual block's) equal to cpu's", async () => {
    const random = seededRandom(41);
    const x = randomValues(random, 12);
    const w = randomValues(random, 16);
    const gradients = () => {
      const [dx, dw] = tf.grads((input: tf.Tensor, weight: tf.Tensor) =>
        tf.sum(tf.square(tf.add(input, tf.matMul(tf.tanh(input), weight)))),
      )([tf.tensor2d(x, [3, 4]), tf.tensor2d(w, [4, 4])]) as [tf.Tensor, tf.Tensor];
      return tf.concat([tf.reshape(dx, [-1]), tf.reshape(dw, [-1])]);
    };
    const expected = await runOn('cpu', gradients);
    const actual = await runOn('wasm', gradients);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
  });
});
