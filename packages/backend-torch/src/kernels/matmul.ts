// Matrix products: tfjs BatchMatMul broadcasts batch dimensions like torch.matmul; transposes
// are free strided views (no copy), unlike on wasm. Under bf16-mixed the product reads bfloat16
// copies of a and b (mixed-precision.ts); bias and activation then apply in float32.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { applyActivation } from './activation.js';
import { defineKernel } from './define-kernel.js';
import { asFloat32, productOperand } from './mixed-precision.js';

function matrixProduct(
  backend: TorchBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): NativeTensor {
  let left = productOperand(backend, a);
  let right = productOperand(backend, b);
  if (transposeA) left = backend.op('transpose', 'int', [left, -2, -1]).id;
  if (transposeB) right = backend.op('transpose', 'int', [right, -2, -1]).id;
  return backend.op('matmul', '', [left, right]);
}

defineKernel(tf.BatchMatMul, ({ inputs: { a, b }, attrs, backend }) =>
  backend.output(matrixProduct(backend, a!, b!, attrs.transposeA, attrs.transposeB)),
);

// tfjs routes matMul with a bias or activation (and dense layers) here.
defineKernel(tf._FusedMatMul, ({ inputs: { a, b, bias, preluActivationWeights }, attrs, backend }) => {
  let product = asFloat32(backend, matrixProduct(backend, a!, b!, attrs.transposeA, attrs.transposeB));
  if (bias !== undefined) product = backend.op('add', 'Tensor', [product.id, backend.idOf(bias)]);
  const prelu = preluActivationWeights === undefined ? undefined : backend.idOf(preluActivationWeights);
  return backend.output(applyActivation(backend, product, attrs.activation, prelu, attrs.leakyreluAlpha));
});
