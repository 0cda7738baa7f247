import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { initBackend } from '../init-backend.js';
import { randomValues, relativeError, runOn, seededRandom } from './test-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const size = (shape: number[]) => shape.reduce((product, dimension) => product * dimension, 1);

describe('batched BatchMatMul override on wasm', () => {
  it('matches cpu for batched, shared-operand, high-rank, transposed and degenerate products', async () => {
    const random = seededRandom(31);
    const cases: Array<{ aShape: number[]; bShape: number[]; transposeA?: boolean; transposeB?: boolean }> = [
      // One native call per batch item (m·k·n ≥ 12,288): [batch, m, k]·[batch, k, n]
      { aShape: [3, 32, 24], bShape: [3, 24, 20] },
      { aShape: [2, 2, 40, 16], bShape: [2, 2, 16, 40] }, // attention's [batch, heads, time, headSize]
      { aShape: [24, 16], bShape: [3, 16, 40] }, // shared left operand, per item
      { aShape: [6, 5, 4], bShape: [6, 4, 3] }, // small items: the native loop
      { aShape: [4, 6, 5], bShape: [5, 3] }, // shared right operand: folded into one 2-D product
      { aShape: [4, 6, 5], bShape: [1, 5, 3] },
      { aShape: [6, 5], bShape: [4, 5, 3] }, // shared left operand
      { aShape: [1, 6, 5], bShape: [4, 5, 3] },
      { aShape: [3, 1, 4, 5], bShape: [1, 2, 5, 6] }, // true broadcasting: the native kernel
      { aShape: [2, 3, 7, 4], bShape: [2, 3, 5, 4], transposeB: true }, // scores q·kᵀ
      { aShape: [2, 3, 4, 7], bShape: [2, 3, 4, 5], transposeA: true },
      { aShape: [3, 1, 1], bShape: [3, 1, 1] },
      { aShape: [3, 0, 4], bShape: [3, 4, 2] }, // empty output
      { aShape: [3, 2, 0], bShape: [3, 0, 2] }, // empty inner dimension: zeros
    ];
    for (const { aShape, bShape, transposeA = false, transposeB = false } of cases) {
      const aValues = randomValues(random, size(aShape));
      const bValues = randomValues(random, size(bShape));
      const compute = () => tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute); // runOn also checks that no tensor leaks
      const label = JSON.stringify({ aShape, bShape, transposeA, transposeB });
      expect(actual.shape, label).toEqual(expected.shape);
      expect(relativeError(actual.values, expected.values), label).toBeLessThan(1e-5);
    }
  });

  it("gives attention's gradients equal to cpu's", async () => {
    const random = seededRandom(32);
    const shape = [2, 2, 32, 16]; // [batch, heads, time, headSize]: 16,384 multiply-adds per item
    const [q, k, v] = [0, 1, 2].map(() => randomValues(random, size(shape)));
    const gradients = () => {
      const attention = (query: tf.Tensor, key: tf.Tensor, value: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(tf.softmax(tf.matMul(query, key, false, true)), value)));
      const grads = tf.grads(attention)([tf.tensor(q, shape), tf.tensor(k, shape), tf.tensor(v, shape)]);
      return tf.concat(grads.map((gradient) => tf.reshape(gradient, [-1])));
    };
    const expected = await runOn('cpu', gradients);
    const actual = await runOn('wasm', gradients);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
  });

  it('leaves no heap behind: the per-item views are unregistered', async () => {
    await tf.setBackend('wasm');
    const a = tf.randomNormal([4, 32, 24]);
    const b = tf.randomNormal([4, 24, 32]);
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const run = () => tf.tidy(() => tf.matMul(a, b)).dispose();
    for (let i = 0; i < 20; i++) run();
    const before = heap();
    const bytesBefore = tf.memory().numBytes;
    for (let i = 0; i < 300; i++) run();
    expect(heap()).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
    tf.dispose([a, b]);
  });
});
