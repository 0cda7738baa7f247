import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '@tessera/spec';
import type { KernelOverride } from '../kernel-override.js';
import type { WasmBackendInternals } from '../support/wasm-heap.js';

/**
 * wasm's GatherV2 computes every output element's source position separately: a GPT's token
 * embedding ([65, 128] table, 768 ids) took 2.6 ms and a MovieLens factor lookup ([1682, 32], 512
 * ids) 0.44 ms, most of a matrix-factorization step. Each id selects a contiguous run of the
 * table, so this override copies runs from heap to heap (one `set` per id and outer index).
 * Single-element runs, batchDims > 0 and strings keep the native kernel. Ids outside
 * [0, size) throw, as on the cpu backend.
 */
export const gatherV2Override: KernelOverride = {
  kernelName: tf.GatherV2,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { x, indices } = parameters.inputs as unknown as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = parameters.attrs as unknown as tf.GatherV2Attrs;
    if (batchDims !== 0 || x.dtype === 'string' || x.dtype === 'complex64' || indices.dtype !== 'int32') {
      return native(parameters);
    }
    const [gatherAxis] = tf.util.parseAxisParam(axis, x.shape);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, gatherAxis)); // [outer, axisSize, inner]
    const axisSize = x.shape[gatherAxis] as number;
    const inner = tf.util.sizeFromShape(x.shape.slice(gatherAxis + 1));
    if (inner === 1) return native(parameters); // single elements: the native loop is as fast
    const backend = parameters.backend as unknown as WasmBackendInternals;
    const outputShape = [...x.shape.slice(0, gatherAxis), ...indices.shape, ...x.shape.slice(gatherAxis + 1)];
    const count = tf.util.sizeFromShape(indices.shape);
    // Checked before allocating, so a bad id leaks nothing.
    let ids = backend.typedArrayFromHeap(indices) as Int32Array;
    for (let index = 0; index < count; index++) {
      const id = ids[index] as number;
      if (id < 0 || id >= axisSize) {
        throw new TesseraError('E_GATHER_INDEX', `gather index ${id} is outside [0, ${axisSize - 1}]`);
      }
    }
    const output = backend.makeOutput(outputShape, x.dtype);
    if (tf.util.sizeFromShape(outputShape) === 0) return output;
    // Views after makeOutput: an allocation may grow the heap and detach older views.
    const source = backend.typedArrayFromHeap(x);
    ids = backend.typedArrayFromHeap(indices) as Int32Array;
    const target = backend.typedArrayFromHeap(output);
    for (let block = 0; block < outer; block++) {
      const sourceBase = block * axisSize * inner;
      const targetBase = block * count * inner;
      for (let index = 0; index < count; index++) {
        const from = sourceBase + (ids[index] as number) * inner;
        target.set(source.subarray(from, from + inner), targetBase + index * inner);
      }
    }
    return output;
  },
};
