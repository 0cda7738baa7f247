import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './wasm-heap.js';

/** x[start : start + extent] as a new tensor, copied heap to heap in the longest contiguous runs. */
export function heapSlice(
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  start: number[],
  extent: number[],
): tf.TensorInfo {
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
