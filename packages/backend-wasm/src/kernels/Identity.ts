import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import type { WasmBackendInternals } from '../support/wasm-heap.js';

/**
 * wasm's Identity copies its input into a new buffer. Tensors are immutable (a Variable's assign
 * swaps in new data rather than writing into the old), so the output can share the input's data
 * with its reference count raised — what the cpu backend does and what wasm's own Reshape does.
 * Gradients pass through Identity at every residual add and broadcast-free binary op, so a GPT
 * step made ~150 full copies (~35 ms) here. Strings keep the native kernel.
 */
export const identityOverride: KernelOverride = {
  kernelName: tf.Identity,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { x } = parameters.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string') return native(parameters);
    (parameters.backend as unknown as WasmBackendInternals).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  },
};
