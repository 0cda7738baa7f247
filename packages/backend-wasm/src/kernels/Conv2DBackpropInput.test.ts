import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInteger, randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

beforeAll(async () => {
  await wasmBackendAdapter.activate();
});

type Padding = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

/** Conv2DBackpropInput on wasm (the forward-conv override) against the cpu backend's kernel. */
describe('Conv2DBackpropInput override on wasm', () => {
  it('matches cpu on random geometries: strides, non-square filters, same/valid/explicit padding', async () => {
    const random = seededRandom(31);
    let checked = 0;
    while (checked < 30) {
      const batch = randomInteger(random, 1, 3);
      const height = randomInteger(random, 3, 12);
      const width = randomInteger(random, 3, 12);
      const inChannels = randomInteger(random, 1, 4);
      const outChannels = randomInteger(random, 1, 4);
      const filterHeight = randomInteger(random, 1, 5);
      const filterWidth = randomInteger(random, 1, 5);
      const strides: [number, number] = [randomInteger(random, 1, 3), randomInteger(random, 1, 3)];
      const choice = randomInteger(random, 0, 2);
      const pad: Padding =
        choice === 0
          ? 'same'
          : choice === 1
            ? 'valid'
            : [
                [0, 0],
                [randomInteger(random, 0, 2), randomInteger(random, 0, 2)],
                [randomInteger(random, 0, 2), randomInteger(random, 0, 2)],
                [0, 0],
              ];
      const inputShape: [number, number, number, number] = [batch, height, width, inChannels];
      const filterShape: [number, number, number, number] = [filterHeight, filterWidth, inChannels, outChannels];
      const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad);
      if (info.outHeight < 1 || info.outWidth < 1) continue;
      const dyShape: [number, number, number, number] = [batch, info.outHeight, info.outWidth, outChannels];
      const dy = randomValues(
        random,
        dyShape.reduce((p, d) => p * d, 1),
      );
      const filter = randomValues(
        random,
        filterShape.reduce((p, d) => p * d, 1),
      );
      const compute = () =>
        tf.conv2dTranspose(tf.tensor4d(dy, dyShape), tf.tensor4d(filter, filterShape), inputShape, strides, pad);
      const expected = await runOn('cpu', compute);
      const actual = await runOn('wasm', compute); // runOn also checks that no tensor leaks
      const label = JSON.stringify({ inputShape, filterShape, strides, pad });
      expect(actual.shape, label).toEqual(expected.shape);
      expect(relativeError(actual.values, expected.values), label).toBeLessThan(1e-5);
      checked++;
    }
  });

  it("gives conv2d's input gradient equal to cpu's, and zeros for an empty filter", async () => {
    const random = seededRandom(32);
    const x = randomValues(random, 2 * 9 * 9 * 3);
    const w = randomValues(random, 3 * 2 * 3 * 5);
    const gradient = () =>
      tf.grad((input: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, tf.tensor4d(w, [3, 2, 3, 5]), 2, 'same'))),
      )(tf.tensor4d(x, [2, 9, 9, 3]));
    const expected = await runOn('cpu', gradient);
    const actual = await runOn('wasm', gradient);
    expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
    const empty = await runOn('wasm', () =>
      tf.conv2dTranspose(
        tf.zeros([1, 3, 3, 0]) as tf.Tensor4D,
        tf.zeros([2, 2, 2, 0]) as tf.Tensor4D,
        [1, 3, 3, 2],
        1,
        'same',
      ),
    );
    expect(Array.from(empty.values)).toEqual(new Array(18).fill(0));
  });
});
