import type * as tf from '@tensorflow/tfjs-core';
import { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';

/**
 * Global-norm clipping of a list of gradients in one kernel, where the backend has it:
 *   TesseraClipByGlobalNorm inputs { 0: g0, 1: g1, ... } attrs { maxNorm }
 *                           -> [g0·s, g1·s, ..., norm]  with s = min(1, maxNorm / (norm + 1e-6))
 * (torch.nn.utils.clip_grad_norm_), norm = √(Σ ‖g‖²).
 */
export function fusedClipByGlobalNormAvailable(): boolean {
  return hasFusedKernel(FusedKernelName.clipByGlobalNorm);
}

export function fusedClipByGlobalNorm(
  gradients: tf.Tensor[],
  maxNorm: number,
): { gradients: tf.Tensor[]; norm: tf.Scalar } {
  const inputs = Object.fromEntries(gradients.map((gradient, index) => [String(index), gradient]));
  const outputs = runFusedKernel(FusedKernelName.clipByGlobalNorm, inputs, { maxNorm });
  return { gradients: outputs.slice(0, -1), norm: outputs[outputs.length - 1] as tf.Scalar };
}
