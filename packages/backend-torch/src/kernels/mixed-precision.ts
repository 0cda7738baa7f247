// bf16-mixed precision (src/precision.ts), as the product kernels apply it: every tensor tfjs sees
// stays float32; a product reads bfloat16 copies of its operands, ATen computes it in bfloat16 with
// float32 accumulation (oneDNN), and `backend.output` casts the bfloat16 result back to float32.
// Copies of tfjs tensors are made once and live as long as the tensor (TorchBackend.bfloat16IdOf):
// a weight is cast once per step for its forward and gradient products, an activation once for
// the product that reads it forward and the one that reads it backward. Under 'fp32' every helper
// here hands back the float32 tensor itself.
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';

/** True when products compute in bfloat16. */
export function productsInBfloat16(backend: TorchBackend): boolean {
  return backend.precision === 'bf16-mixed';
}

/**
 * A tfjs tensor as a product operand: its bfloat16 copy under bf16-mixed, else itself (int32
 * products, exact in float32 up to 2^24, are never rounded to bfloat16).
 */
export function productOperand(backend: TorchBackend, info: tf.TensorInfo): number {
  return productsInBfloat16(backend) && info.dtype === 'float32' ? backend.bfloat16IdOf(info) : backend.idOf(info);
}

/** A kernel's own float32 intermediate as a product operand: cast to bfloat16 under bf16-mixed. */
export function intermediateOperand(backend: TorchBackend, tensor: NativeTensor): NativeTensor {
  return productsInBfloat16(backend) && tensor.dtype === 'float32'
    ? backend.op('_to_copy', '', [tensor.id, 'bfloat16'])
    : tensor;
}

/** A product's result as float32, for a kernel that keeps computing on it (scale, mask, softmax). */
export function asFloat32(backend: TorchBackend, tensor: NativeTensor): NativeTensor {
  return tensor.dtype === 'bfloat16' ? backend.op('_to_copy', '', [tensor.id, 'float32']) : tensor;
}

/** The dtype a kernel's placeholder operands take (e.g. convolution_backward's shape-only input). */
export function productDtype(backend: TorchBackend): 'float32' | 'bfloat16' {
  return productsInBfloat16(backend) ? 'bfloat16' : 'float32';
}
