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
    return heapSlice(parameters.backend as unknown as WasmBackendInternals, x, start, extent);
  },
};

/**
 * wasm's SplitV calls its native slice for each part directly (not through the kernel registry),
 * so the Slice override above never saw it: splitting attention's [12, 64, 384] projection in
 * three took ~2.6 ms. This override slices each part heap to heap.
 */
export const heapSplitOverride: KernelOverride = {
  kernelName: tf.SplitV,
  backendName: 'wasm',
  wrap: (native) => (parameters) => {
    const { x } = parameters.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64') return native(parameters);
    const { numOrSizeSplits, axis } = parameters.attrs as unknown as tf.SplitVAttrs;
    const [splitAxis] = tf.util.parseAxisParam(axis, x.shape) as [number];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, splitAxis);
    const backend = parameters.backend as unknown as WasmBackendInternals;
    const start = new Array<number>(x.shape.length).fill(0);
    return sizes.map((size) => {
      const extent = [...x.shape];
      extent[splitAxis] = size;
      const part = heapSlice(backend, x, [...start], extent);
      start[splitAxis] = (start[splitAxis] as number) + size;
      return part;
    });
  },
};

/** x[start : start + extent] as a new tensor, copied heap to heap in the longest contiguous runs. */
function heapSlice(backend: WasmBackendInternals, x: tf.TensorInfo, start: number[], extent: number[]): tf.TensorInfo {
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
  const run = (extent[partial] as number) * (strides[partial] as number);
  const index = new Array<number>(partial).fill(0); // position among the outer axes' slice
  let written = 0;
  while (written < total) {
    let offset = (start[partial] as number) * (strides[partial] as number);
    for (let axis = 0; axis < partial; axis++) {
      offset += ((start[axis] as number) + (index[axis] as number)) * (strides[axis] as number);
    }
    target.set(source.subarray(offset, offset + run), written);
    written += run;
    for (let axis = partial - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1;
      if ((index[axis] as number) < (extent[axis] as number)) break;
      index[axis] = 0;
    }
  }
  return output;
}
