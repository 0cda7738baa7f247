import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpuBytesInUse, maxRelativeDifference, randomValues, runOn, seededRandom } from '../support/test-helpers.js';
import { skipReason } from '../support/webgpu-test-environment.js';
import { webgpuBackendAdapter } from '../webgpu-backend-adapter.js';
import { maxAddNInputs } from './AddN.js';

describe.skipIf(skipReason !== '')(`AddN override on webgpu ${skipReason}`, () => {
  let limit = 0;

  beforeAll(async () => {
    await webgpuBackendAdapter.activate();
    limit = maxAddNInputs(tf.backend());
  });

  it('knows the most inputs one native AddN binds (the default storage-buffer limit, 8, less the output)', () => {
    expect(limit).toBe(7);
  });

  it('sums any number of inputs as cpu does, float32 and int32, without leaking', async () => {
    const random = seededRandom(7);
    // Around each chunk boundary, and deep enough for a tree of partial sums of partial sums.
    for (const count of [1, 2, limit, limit + 1, limit + 2, 2 * limit, 2 * limit + 1, limit * limit + 3, 120]) {
      for (const dtype of ['float32', 'int32'] as const) {
        const shape = [3, 5];
        const terms = Array.from({ length: count }, () =>
          randomValues(random, 15).map((value) => (dtype === 'int32' ? Math.round(value * 100) : value)),
        );
        // 15-element inputs would stay on the CPU; the sum of uploaded tensors runs on the GPU.
        const compute = () =>
          tf.addN(terms.map((values) => tf.add(tf.tensor(values, shape, dtype), tf.zeros(shape, dtype))));
        const [expected] = await runOn('cpu', compute);
        await tf.setBackend('webgpu');
        const bytesBefore = gpuBytesInUse();
        const [actual] = await runOn('webgpu', compute);
        // The partial sums are freed with the inputs: GPU memory is back where it was.
        expect(gpuBytesInUse()).toBe(bytesBefore);
        const label = `${count} ${dtype} inputs`;
        expect(actual!.shape, label).toEqual(shape);
        expect(actual!.dtype, label).toBe(dtype);
        expect(maxRelativeDifference(actual!.values, expected!.values), label).toBeLessThan(1e-5);
      }
    }
  });

  it('gives global-norm gradient clipping over 30 parameters the cpu result, gradients included', async () => {
    const random = seededRandom(8);
    const shapes = Array.from({ length: 30 }, (_, index) => [1 + (index % 4), 2 + (index % 3)]);
    const values = shapes.map(([rows, columns]) => randomValues(random, rows! * columns!));
    // The norm core's clipGradientNorm compares with its maximum: √(Σ ‖g‖²), one AddN over all.
    const clip = () => {
      const gradients = values.map((data, index) => tf.tensor(data, shapes[index]));
      const norm = (tensors: tf.Tensor[]) => tf.sqrt(tf.addN(tensors.map((tensor) => tf.sum(tf.square(tensor)))));
      const scale = tf.minimum(1, tf.div(0.5, tf.add(norm(gradients), 1e-6)));
      const ofNorm = tf.grads((...tensors: tf.Tensor[]) => norm(tensors))(gradients);
      return [scale, ...gradients.map((gradient) => tf.mul(gradient, scale)), ...ofNorm];
    };
    const expected = await runOn('cpu', clip);
    const actual = await runOn('webgpu', clip);
    // Unclipped, the norm is about 4: the scale is well below 1, so a wrong sum would show.
    expect(expected[0]!.values[0]).toBeLessThan(0.3);
    expect(actual).toHaveLength(expected.length);
    for (const [index, output] of expected.entries()) {
      expect(maxRelativeDifference(actual[index]!.values, output.values), `output ${index}`).toBeLessThan(1e-5);
    }
  });
});
