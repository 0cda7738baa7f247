// Matrix products: tfjs BatchMatMul broadcasts batch dimensions like torch.matmul; transposes
// are free strided views (no copy), unlike on wasm.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { applyActivation } from './activation.js';
import { defineKernel } from './define-kernel.js';

function matrixProduct(
  backend: TorchBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): NativeTensor {
  let left = backend.idOf(a);
  let right = backend.idOf(b);
  if (transposeA) left = backend.op('transpose', 'int', [left, -2, -1]).id;
  if (transposeB) right = backend.op('transpose', 'int', [right, -2, -1]).id;
  return backend.op('matmul', '', [left, right]);
}

defineKernel(tf.BatchMatMul, ({ inputs: { a, b }, attrs, backend }) =>
  backend.output(matrixProduct(backend, a!, b!, attrs.transposeA, attrs.transposeB)),
);

// tfjs routes matMul with a bias or activation (and dense layers) here.
defineKernel(tf._FusedMatMul, ({ inputs: { a, b, bias, preluActivationWeights }, attrs, backend }) => {
  let product = matrixProduct(backend, a!, b!, attrs.transposeA, attrs.transposeB);
  if (bias !== undefined) product = backend.op('add', 'Tensor', [product.id, backend.idOf(bias)]);
  const prelu = preluActivationWeights === undefined ? undefined : backend.idOf(preluActivationWeights);
  return backend.output(applyActivation(backend, product, attrs.activation, prelu, attrs.leakyreluAlpha));
});
