import * as tf from '@tensorflow/tfjs-core';

/**
 * Tessera's fused kernels: whole operations (GELU, layer norm, softmax cross-entropy, an Adam
 * step) that a backend may implement as one kernel instead of the dozen small tfjs kernels they
 * are composed of. A backend opts in by registering these names (`@tessera/backend-torch` maps
 * them to ATen's own fused operators); on every other backend core computes the composed ops,
 * unchanged. The contracts (inputs, attributes, outputs) are documented beside each op.
 */
export const FusedKernelName = {
  gelu: 'TesseraGelu',
  geluGrad: 'TesseraGeluGrad',
  layerNorm: 'TesseraLayerNorm',
  layerNormGrad: 'TesseraLayerNormGrad',
  embedding: 'TesseraEmbedding',
  embeddingGrad: 'TesseraEmbeddingGrad',
  linear: 'TesseraLinear',
  linearGrad: 'TesseraLinearGrad',
  scaledDotProductAttention: 'TesseraScaledDotProductAttention',
  scaledDotProductAttentionGrad: 'TesseraScaledDotProductAttentionGrad',
  softmaxCrossEntropy: 'TesseraSoftmaxCrossEntropy',
  softmaxCrossEntropyGrad: 'TesseraSoftmaxCrossEntropyGrad',
  adamUpdate: 'TesseraAdamUpdate',
  clipByGlobalNorm: 'TesseraClipByGlobalNorm',
} as const;

export type FusedKernelName = (typeof FusedKernelName)[keyof typeof FusedKernelName];

/**
 * Whether the active backend implements a fused kernel (and its gradient kernel, if named).
 * Looked up on every call: the active backend can change between calls.
 */
export function hasFusedKernel(name: FusedKernelName, gradientName?: FusedKernelName): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel(name, backend) !== undefined &&
    (gradientName === undefined || tf.getKernel(gradientName, backend) !== undefined)
  );
}

/** Runs a registered fused kernel; the outputs are new tensors tracked by the current scope. */
export function runFusedKernel(
  name: FusedKernelName,
  inputs: Record<string, tf.Tensor>,
  attributes: Record<string, unknown> = {},
): tf.Tensor[] {
  const outputs = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attributes as tf.NamedAttrMap);
  return Array.isArray(outputs) ? (outputs as tf.Tensor[]) : [outputs as tf.Tensor];
}
