import * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * y = x·W + b over the last axis in one kernel, forward and backward, where the backend has it.
 *   TesseraLinear     inputs { x [..., in], weight [in, out], bias? [out] }      -> [y [..., out]]
 *   TesseraLinearGrad inputs { dy [..., out], x [..., in], weight [in, out], bias? [out] }
 *                     -> [dx [..., in], dweight [in, out], dbias [out] (if bias)]
 * Composed in tfjs, a Linear is ~6 kernels forward (reshapes around a 3-D fused matMul) and ~15
 * backward (two matMuls, each reshaped to 3-D and back, plus the bias sum): each kernel pays
 * tfjs's engine bookkeeping, and the gradient tape copies what each one saves.
 */
export function fusedLinearAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.linear, FusedKernelName.linearGrad);
}

export function fusedLinear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
  const hasBias = bias !== undefined;
  const linear = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [input, weightInput, biasInput] = args as tf.Tensor[];
    const inputs: Record<string, tf.Tensor> = { x: input!, weight: weightInput! };
    if (hasBias) inputs.bias = biasInput!;
    save([input!, weightInput!]);
    return {
      value: runFusedKernel(FusedKernelName.linear, inputs)[0]!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const gradInputs: Record<string, tf.Tensor> = { dy, x: saved[0]!, weight: saved[1]! };
        if (hasBias) gradInputs.bias = biasInput!;
        return runFusedKernel(FusedKernelName.linearGrad, gradInputs);
      },
    };
  });
  return hasBias ? linear(x, weight, bias) : linear(x, weight);
}
