import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyKernelOverrides } from '../kernel-registry.js';
import { randomValues, relativeError, runOn, seededRandom } from '../support/test-helpers.js';
import { wasmBackendAdapter } from '../wasm-backend-adapter.js';

/**
 * wasm's 'same' padding is wrong when the stride exceeds the filter and the padding is zero
 * (found by sweeping sizes 3–9, filters 1–4, strides 1–3: these were the failures). With the
 * correction every conv kernel agrees with the cpu backend on them.
 */

let overriddenKernels: string[] = [];
beforeAll(async () => {
  overriddenKernels = (await wasmBackendAdapter.activate()).overriddenKernels;
});

describe('kernel corrections on wasm', () => {
  it('are applied once and reported', () => {
    expect(overriddenKernels).toEqual([
      'Conv2D',
      'FusedConv2D',
      'DepthwiseConv2dNative',
      'FusedDepthwiseConv2D',
      'Conv2DBackpropInput',
      'BatchMatMul',
      'Identity',
      'Slice',
      'SplitV',
      'GatherV2',
    ]);
    expect(applyKernelOverrides()).toEqual(overriddenKernels);
  });

  it("'same' with stride > filter: conv, fused conv, depthwise, fused depthwise and the input gradient match cpu", async () => {
    const random = seededRandom(8);
    for (const size of [3, 6, 9]) {
      const xShape: [number, number, number, number] = [2, size, size, 3];
      const x = randomValues(random, 2 * size * size * 3);
      const filter = randomValues(random, 2 * 2 * 3 * 2);
      const bias = randomValues(random, 6);
      const input = () => tf.tensor4d(x, xShape);
      const weights = () => tf.tensor4d(filter, [2, 2, 3, 2]);
      const cases: Record<string, () => tf.Tensor> = {
        conv2d: () => tf.conv2d(input(), weights(), 3, 'same'),
        fusedConv2d: () =>
          tf.fused.conv2d({
            x: input(),
            filter: weights(),
            strides: 3,
            pad: 'same',
            bias: tf.tensor1d(bias.slice(0, 2)),
            activation: 'relu',
          }),
        depthwiseConv2d: () => tf.depthwiseConv2d(input(), weights(), 3, 'same'),
        fusedDepthwiseConv2d: () =>
          tf.fused.depthwiseConv2d({ x: input(), filter: weights(), strides: 3, pad: 'same', bias: tf.tensor1d(bias) }),
        conv2dInputGradient: () =>
          tf.grad((image: tf.Tensor) => tf.sum(tf.square(tf.conv2d(image as tf.Tensor4D, weights(), 3, 'same'))))(
            input(),
          ),
      };
      for (const [name, compute] of Object.entries(cases)) {
        const expected = await runOn('cpu', compute);
        const actual = await runOn('wasm', compute);
        expect(actual.shape, `${name} size ${size}`).toEqual(expected.shape);
        expect(relativeError(actual.values, expected.values), `${name} size ${size}`).toBeLessThan(1e-4);
      }
    }
  });
});
