import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-overrides.js';
import type { WasmBackendInternals } from './wasm-heap.js';

/**
 * wasm's Slice reads its input with `readSync`, which copies the whole tensor off the heap before
 * copying out the slice: slicing a third of attention's fused query/key/value projection
 * ([12,64,384] → [12,64,128]) copied 4× the data it kept, and rank 5+ went through the generic
 * cpu implementation. This override copies straight from heap to heap in the longest contiguous
 * runs the slice has (one run per outer index), for every rank. Strings keep the native kernel.
 */
export const heapSliceOverride: KernelOverride = {
  kernelName: tf.Slice,
  backendName: 'wasm',
  wrap: (native) => (parameters) => {
    const { x } = parameters.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64') return native(parameters);
    const { begin, size } = parameters.attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = parameters.backend as unknown as WasmBackendInternals;
    const output = backend.makeOutput(extent, x.dtype);
    const total = tf.util.sizeFromShape(extent);
    if (total === 0) return output;
    // Views after makeOutput: an allocation may grow the heap and detach older views.
    const source = backend.typedArrayFromHeap(x);
    const target = backend.typedArrayFromHeap(output);
    const rank = x.shape.length;
    const strides = [...tf.util.computeStrides(x.shape), 1]; // elements per step along each axis
    // The innermost axis the slice does not take whole: everything after it is one contiguous run.
    let partial = rank - 1;
    while (partial >= 0 && start[partial] === 0 && extent[partial] === x.shape[partial]) partial -= 1;
    if (partial < 0) {
      target.set(source.subarray(0, total));
      return output;
    }
    const run = extent[partial] * (strides[partial] as number);
    const index = new Array<number>(partial).fill(0); // position among the outer axes' slice
    let written = 0;
    while (written < total) {
      let offset = start[partial] * (strides[partial] as number);
      for (let axis = 0; axis < partial; axis++) {
        offset += (start[axis] + (index[axis] as number)) * (strides[axis] as number);
      }
      target.set(source.subarray(offset, offset + run), written);
      written += run;
      for (let axis = partial - 1; axis >= 0; axis--) {
        index[axis] = (index[axis] as number) + 1;
        if ((index[axis] as number) < extent[axis]) break;
        index[axis] = 0;
      }
    }
    return output;
  },
};
