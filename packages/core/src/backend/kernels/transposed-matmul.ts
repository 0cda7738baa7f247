import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-overrides.js';

/**
 * wasm's BatchMatMul with transposeA or transposeB reads its operand with a stride and runs
 * 12–33× slower than an explicit Transpose (a fast copy) followed by the plain product, which
 * XNNPACK runs at full speed. Every Linear layer's backward pass asks for exactly these products
 * (dx = dy·Wᵀ, dW = xᵀ·dy), so the override transposes first. Results are the same; the cost is
 * one temporary copy of each transposed operand.
 */
export const transposedMatMulOverride: KernelOverride = {
  kernelName: tf.BatchMatMul,
  backendName: 'wasm',
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
