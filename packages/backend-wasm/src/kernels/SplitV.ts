import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { heapSlice } from '../support/heap-slice.js';
import type { WasmBackendInternals } from '../support/wasm-heap.js';

/**
 * wasm's SplitV calls its native slice for each part directly (not through the kernel registry),
 * so the Slice override never saw it: splitting attention's [12, 64, 384] projection in
 * three took ~2.6 ms. This override slices each part heap to heap.
 */
export const splitVOverride: KernelOverride = {
  kernelName: tf.SplitV,
  purpose: 'speed',
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
