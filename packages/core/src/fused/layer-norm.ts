import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * Layer norm over the last axis in one kernel, forward and backward, where the backend has it.
 *   TesseraLayerNorm     inputs { x, weight?, bias? }        attrs { epsilon }
 *                        -> [y, mean, reciprocalStandardDeviation]   (the statistics [..., 1])
 *   TesseraLayerNormGrad inputs { dy, x, mean, reciprocalStandardDeviation, weight?, bias? }
 *                        -> [dx, dweight (if weight), dbias (if bias)]
 */
export function fusedLayerNormAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.layerNorm, FusedKernelName.layerNormGrad);
}

export function fusedLayerNorm(
  x: tf.Tensor,
  weight: tf.Tensor | undefined,
  bias: tf.Tensor | undefined,
  epsilon: number,
): tf.Tensor {
  // customGrad takes tensors only, so the optional affine parameters decide the argument list.
  const parameters = [weight, bias].filter((tensor): tensor is tf.Tensor => tensor !== undefined);
  const hasWeight = weight !== undefined;
  const hasBias = bias !== undefined;
  const layerNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, ...affine] = args as tf.Tensor[];
    const inputs: Record<string, tf.Tensor> = { x: input! };
    if (hasWeight) inputs.weight = affine[0]!;
    if (hasBias) inputs.bias = affine[hasWeight ? 1 : 0]!;
    const [y, mean, reciprocalStandardDeviation] = runFusedKernel(FusedKernelName.layerNorm, inputs, { epsilon });
    save([input!, mean!, reciprocalStandardDeviation!, ...affine]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const gradInputs: Record<string, tf.Tensor> = {
          dy,
          x: saved[0]!,
          mean: saved[1]!,
          reciprocalStandardDeviation: saved[2]!,
        };
        if (hasWeight) gradInputs.weight = saved[3]!;
        if (hasBias) gradInputs.bias = saved[hasWeight ? 4 : 3]!;
        return runFusedKernel(FusedKernelName.layerNormGrad, gradInputs);
      },
    };
  });
  return layerNorm(x, ...parameters);
}
