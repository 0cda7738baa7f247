import type * as tf from '@tensorflow/tfjs-core';
import type { AdamUpdateAttributes } from '@tessera/spec';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

export type { AdamUpdateAttributes };

/**
 * One Adam / AdamW step for one parameter in one kernel, where the backend has it:
 *   TesseraAdamUpdate inputs { parameter, gradient, firstMoment, secondMoment }
 *                     attrs AdamUpdateAttributes -> [parameter', firstMoment', secondMoment']
 * with torch.optim.AdamW's arithmetic (m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * p ← p·decay − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)). Outputs are new tensors: nothing is updated
 * in place, the optimizer assigns them.
 */
export function fusedAdamUpdateAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.adamUpdate);
}

export function fusedAdamUpdate(
  parameter: tf.Tensor,
  gradient: tf.Tensor,
  firstMoment: tf.Tensor,
  secondMoment: tf.Tensor,
  attributes: AdamUpdateAttributes,
): { parameter: tf.Tensor; firstMoment: tf.Tensor; secondMoment: tf.Tensor } {
  const [updated, first, second] = runFusedKernel(
    FusedKernelName.adamUpdate,
    { parameter, gradient, firstMoment, secondMoment },
    { ...attributes },
  );
  return { parameter: updated!, firstMoment: first!, secondMoment: second! };
}
