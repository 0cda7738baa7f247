import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';

/** The part of tfjs-backend-webgpu's WebGPUBackend this override reads and frees through. */
interface WebgpuBackendInternals {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): boolean;
}

/**
 * The most inputs one native AddN can take: it binds every input and its output as storage buffers
 * of one shader, and tfjs asks for WebGPU's default limit (8 per stage) whatever the adapter has.
 */
export function maxAddNInputs(backend: object): number {
  return (backend as WebgpuBackendInternals).device.limits.maxStorageBuffersPerShaderStage - 1;
}

/**
 * AddN(x₁ … xₙ) = Σ xᵢ. With more inputs than the shader may bind (8 or more, at the default
 * limit) the native kernel's pipeline is invalid: WebGPU logs a validation error and the result is
 * garbage, silently. Global-norm gradient clipping sums one square per parameter, so every model with
 * more than 7 parameter tensors clipped wrong. Larger sums are done as sums of chunks the native
 * kernel can take (a tree of depth ⌈log₇ n⌉), freeing the partial sums.
 */
export const addNOverride: KernelOverride = {
  kernelName: tf.AddN,
  purpose: 'correction',
  wrap: (native) => (parameters) => {
    const inputs = parameters.inputs as unknown as tf.TensorInfo[];
    const limit = maxAddNInputs(parameters.backend);
    if (inputs.length <= limit) return native(parameters);
    const backend = parameters.backend as unknown as WebgpuBackendInternals;
    const sum = (terms: tf.TensorInfo[]) =>
      native({ ...parameters, inputs: terms as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
    const partials: tf.TensorInfo[] = [];
    let terms = inputs;
    while (terms.length > limit) {
      const next: tf.TensorInfo[] = [];
      for (let start = 0; start < terms.length; start += limit) {
        const chunk = terms.slice(start, start + limit);
        if (chunk.length === 1) {
          next.push(chunk[0] as tf.TensorInfo);
          continue;
        }
        const partial = sum(chunk);
        partials.push(partial);
        next.push(partial);
      }
      terms = next;
    }
    const result = sum(terms);
    for (const partial of partials) backend.disposeData(partial.dataId);
    return result;
  },
};
