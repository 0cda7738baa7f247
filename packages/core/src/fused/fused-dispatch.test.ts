// How core chooses between a backend's fused kernel and the composed ops. Backends without
// Tessera's kernels (wasm, cpu: what CI and most users run) must take the composed path, so their
// results stay exactly what they were; a backend that registers a kernel gets it, with gradients
// through its gradient kernel. The torch mapping is tested in @tessera/backend-torch (fused.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { maximumError, torchReference } from '../fixtures/torch/torch-reference.js';
import { gelu } from '../nn/activations.js';
import { FusedKernelName, hasFusedKernel } from './kernel-names.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU's tanh form and its derivative, written out per element (an independent implementation). */
function geluTanh(x: number): { value: number; derivative: number } {
  const inner = SQRT_2_OVER_PI * (x + 0.044715 * x ** 3);
  const t = Math.tanh(inner);
  return {
    value: 0.5 * x * (1 + t),
    derivative: 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x),
  };
}

function registerCpuGelu(calls: string[]): void {
  const elementwise =
    (name: string, compute: (values: Float32Array, index: number, inputs: Float32Array[]) => number) =>
    ({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap }) => {
      expect(attrs?.approximate).toBe('tanh');
      calls.push(name);
      const cpu = backend as tf.KernelBackend & {
        makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
      };
      const infos = Object.values(inputs) as tf.TensorInfo[];
      const values = infos.map((info) => cpu.readSync(info.dataId) as Float32Array);
      const output = Float32Array.from(values[0]!, (_, index) => compute(values[0]!, index, values));
      return cpu.makeTensorInfo(infos[0]!.shape, 'float32', output);
    };
  tf.registerKernel({
    kernelName: FusedKernelName.gelu,
    backendName: 'cpu',
    kernelFunc: elementwise(FusedKernelName.gelu, (x, index) => geluTanh(x[index]!).value) as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: FusedKernelName.geluGrad,
    backendName: 'cpu',
    // inputs { dy, x }: dx = dy · gelu'(x)
    kernelFunc: elementwise(
      FusedKernelName.geluGrad,
      (dy, index, [, x]) => dy[index]! * geluTanh(x![index]!).derivative,
    ) as tf.KernelFunc,
  });
}

describe('fused op dispatch', () => {
  afterEach(() => {
    for (const name of [FusedKernelName.gelu, FusedKernelName.geluGrad]) {
      if (tf.getKernel(name, 'cpu') !== undefined) tf.unregisterKernel(name, 'cpu');
    }
  });

  it('wasm and cpu register no fused kernel, so layers, losses and optimizers run the composed ops', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      for (const name of Object.values(FusedKernelName)) expect(hasFusedKernel(name), `${backend} ${name}`).toBe(false);
    }
    await tf.setBackend('wasm');
  });

  it('gelu runs a registered fused kernel forward and its gradient kernel backward', async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor3d(torchReference.layers.x);
    const composedGradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(gelu(input, 'tanh'), input)))(x);
    const calls: string[] = [];
    registerCpuGelu(calls);
    expect(hasFusedKernel(FusedKernelName.gelu, FusedKernelName.geluGrad)).toBe(true);
    const value = gelu(x, 'tanh');
    expect(maximumError(await value.array(), torchReference.layers.geluTanh)).toBeLessThan(1e-5);
    const fusedGradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(gelu(input, 'tanh'), input)))(x);
    expect(calls).toEqual([FusedKernelName.gelu, FusedKernelName.gelu, FusedKernelName.geluGrad]);
    expect(maximumError(await fusedGradient.array(), await composedGradient.array())).toBeLessThan(1e-5);
    tf.dispose([x, composedGradient, value, fusedGradient]);
    await tf.setBackend('wasm');
  });
});
