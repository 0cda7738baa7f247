import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { heapSlice } from '../support/heap-slice.js';
import type { WasmBackendInternals } from '../support/wasm-heap.js';

/**
 * wasm's Slice reads its input with `readSync`, which copies the whole tensor off the heap before
 * copying out the slice: slicing a third of attention's fused query/key/value projection
 * ([12,64,384] → [12,64,128]) copied 4× the data it kept, and rank 5+ went through the generic
 * cpu implementation. The override copies straight from heap to heap in the longest contiguous
 * runs the slice has (one run per outer index), for every rank. Strings keep the native kernel.
 */
export const sliceOverride: KernelOverride = {
  kernelName: tf.Slice,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { x } = parameters.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64') return native(parameters);
    const { begin, size } = parameters.attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return heapSlice(parameters.backend as unknown as WasmBackendInternals, x, start, extent);
  },
};
