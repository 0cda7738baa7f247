import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
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
