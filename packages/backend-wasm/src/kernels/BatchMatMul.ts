import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { heapOffset, type WasmBackendInternals, withHeapViews } from '../support/wasm-heap.js';

type NativeBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outputId: number,
) => void;

const entryPoints = new WeakMap<object, NativeBatchMatMul>();

function nativeEntryPoint(backend: WasmBackendInternals): NativeBatchMatMul {
  let entryPoint = entryPoints.get(backend.wasm);
  if (entryPoint === undefined) {
    entryPoint = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as NativeBatchMatMul;
    entryPoints.set(backend.wasm, entryPoint);
  }
  return entryPoint;
}

const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);

/**
 * Multiply-adds per batch item (m·k·n) from which a native call per item beats the native loop:
 * each call costs ~25 µs of operator setup. Measured break-even ~10k ([4,20,32]·[4,32,20] is 3.6×
 * faster per item, [48,16,32]·[48,32,16] 1.25× slower); incremental decoding's one-row products
 * stay on the loop.
 */
const PER_ITEM_MINIMUM = 12_288;

/**
 * wasm's BatchMatMul runs XNNPACK's fast GEMM only when both operands have a batch of one; any
 * larger batch — attention's [batch·heads, time, headSize] products — goes through a plain loop
 * at under 1 GFLOP/s, which made attention most of a GPT training step. This override keeps the
 * product on the fast path: a shared right operand is folded into one 2-D product
 * ([batch·m, k]·[k, n]), and otherwise each batch item is handed to the native kernel as a
 * zero-copy view on the wasm heap (measured ~10× faster on [48,64,32]·[48,32,64]). Transposed
 * operands are left to the override below that transposes them explicitly (registered after this
 * one, so it runs first and calls this one with plain operands); broadcasting other than a batch of
 * one on either side goes to the native kernel.
 */
const batchedProductsOverride: KernelOverride = {
  kernelName: tf.BatchMatMul,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { transposeA, transposeB } = parameters.attrs as unknown as tf.BatchMatMulAttrs;
    const { a, b } = parameters.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (transposeA || transposeB || a.dtype !== 'float32' || b.dtype !== 'float32') return native(parameters);
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    if (aRank < 2 || bRank < 2) return native(parameters);
    const [m, k] = a.shape.slice(-2) as [number, number];
    const [kB, n] = b.shape.slice(-2) as [number, number];
    const aBatchShape = a.shape.slice(0, -2);
    const bBatchShape = b.shape.slice(0, -2);
    const aBatch = tf.util.sizeFromShape(aBatchShape);
    const bBatch = tf.util.sizeFromShape(bBatchShape);
    if (k !== kB || m * k * n === 0 || (aBatch <= 1 && bBatch <= 1)) return native(parameters);
    const outputBatchShape = tf.backend_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
    const outputBatch = tf.util.sizeFromShape(outputBatchShape);
    // Either side may be shared by every batch item; otherwise both must have the output's batch.
    if ((aBatch !== outputBatch && aBatch !== 1) || (bBatch !== outputBatch && bBatch !== 1)) {
      return native(parameters);
    }
    if (bBatch !== 1 && m * k * n < PER_ITEM_MINIMUM) return native(parameters);
    const backend = parameters.backend as unknown as WasmBackendInternals;
    const multiply = nativeEntryPoint(backend);
    const output = backend.makeOutput([...outputBatchShape, m, n], 'float32'); // [...batch, m, n]
    const aOffset = heapOffset(backend, a);
    const bOffset = heapOffset(backend, b);
    const outputOffset = heapOffset(backend, output);
    if (bBatch === 1) {
      // One product: the batch items of a are consecutive rows. [batch·m, k]·[k, n] → [batch·m, n]
      const rows = outputBatch * m;
      withHeapViews(
        backend,
        [
          [aOffset, rows * k],
          [bOffset, k * n],
          [outputOffset, rows * n],
        ],
        ([aId, bId, outputId]) =>
          multiply(aId, shapeBytes([1, rows, k]), 3, bId, shapeBytes([1, k, n]), 3, false, false, outputId),
      );
      return output;
    }
    const aItemShape = shapeBytes([1, m, k]);
    const bItemShape = shapeBytes([1, k, n]);
    const bytes = Float32Array.BYTES_PER_ELEMENT;
    for (let item = 0; item < outputBatch; item++) {
      const aItem = aBatch === 1 ? 0 : item;
      withHeapViews(
        backend,
        [
          [aOffset + aItem * m * k * bytes, m * k],
          [bOffset + item * k * n * bytes, k * n],
          [outputOffset + item * m * n * bytes, m * n],
        ],
        ([aId, bId, outputId]) => multiply(aId, aItemShape, 3, bId, bItemShape, 3, false, false, outputId),
      );
    }
    return output;
  },
};

/**
 * wasm's BatchMatMul with transposeA or transposeB reads its operand with a stride and runs
 * 12–33× slower than an explicit Transpose (a fast copy) followed by the plain product, which
 * XNNPACK runs at full speed. Every Linear layer's backward pass asks for exactly these products
 * (dx = dy·Wᵀ, dW = xᵀ·dy), so the override transposes first. Results are the same; the cost is
 * one temporary copy of each transposed operand.
 */
const transposedOperandsOverride: KernelOverride = {
  kernelName: tf.BatchMatMul,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { transposeA, transposeB } = parameters.attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return native(parameters);
    const { a, b } = parameters.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const created: tf.Tensor[] = [];
    const operand = (info: tf.TensorInfo, transpose: boolean): tf.Tensor => {
      // Kernel inputs are engine tensors in practice; wrap a bare TensorInfo (shares its data).
      let tensor = info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
      if (tensor !== info) created.push(tensor);
      if (transpose) {
        const rank = info.shape.length;
        const perm = [...Array.from({ length: rank - 2 }, (_, axis) => axis), rank - 1, rank - 2];
        tensor = tf.transpose(tensor, perm); // [..., columns, rows]
        created.push(tensor);
      }
      return tensor;
    };
    try {
      return native({
        ...parameters,
        inputs: { a: operand(a, transposeA), b: operand(b, transposeB) },
        attrs: { ...parameters.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      tf.dispose(created);
    }
  },
};

/** The batched override first: the transposing one wraps it, runs first and hands it plain operands. */
export const batchMatMulOverrides: readonly KernelOverride[] = [batchedProductsOverride, transposedOperandsOverride];
