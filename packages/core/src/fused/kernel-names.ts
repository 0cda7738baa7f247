import * as tf from '@tensorflow/tfjs-core';

// The names and contracts are in @tessera/spec (shared with the backends that implement them);
// core runs them where the active backend registers them and composes ops everywhere else.
import { FusedKernelName } from '@tessera/spec';

export { FusedKernelName };

/**
 * Whether the active backend implements a fused kernel (and its gradient kernel, if named).
 * Looked up on every call: the active backend can change between calls.
 */
export function hasFusedKernel(name: FusedKernelName, gradientName?: FusedKernelName): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel(name, backend) !== undefined &&
    (gradientName === undefined || tf.getKernel(gradientName, backend) !== undefined)
  );
}

/** Runs a registered fused kernel; the outputs are new tensors tracked by the current scope. */
export function runFusedKernel(
  name: FusedKernelName,
  inputs: Record<string, tf.Tensor>,
  attributes: Record<string, unknown> = {},
): tf.Tensor[] {
  const outputs = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attributes as tf.NamedAttrMap);
  return Array.isArray(outputs) ? (outputs as tf.Tensor[]) : [outputs as tf.Tensor];
}
