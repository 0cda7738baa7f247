import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * GELU in one kernel, forward and backward, where the backend has it.
 *   TesseraGelu     inputs { x }           attrs { approximate: 'none' | 'tanh' } -> [y]
 *   TesseraGeluGrad inputs { dy, x }       attrs { approximate }                  -> [dx]
 * ('none' is the exact erf form, 'tanh' GPT-2's approximation: PyTorch's F.gelu argument.)
 */
export function fusedGeluAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.gelu, FusedKernelName.geluGrad);
}

export function fusedGelu(x: tf.Tensor, approximation: 'exact' | 'tanh'): tf.Tensor {
  const approximate = approximation === 'tanh' ? 'tanh' : 'none';
  const gelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: runFusedKernel(FusedKernelName.gelu, { x: input }, { approximate })[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runFusedKernel(FusedKernelName.geluGrad, { dy, x: saved[0]! }, { approximate })[0]!,
    };
  });
  return gelu(x);
}
