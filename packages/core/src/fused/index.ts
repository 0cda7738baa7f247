export type { AdamUpdateAttributes } from './adam-update.js';
export { fusedAdamUpdate, fusedAdamUpdateAvailable } from './adam-update.js';
export { fusedClipByGlobalNorm, fusedClipByGlobalNormAvailable } from './clip-by-global-norm.js';
export { fusedEmbedding, fusedEmbeddingAvailable } from './embedding.js';
export { fusedGelu, fusedGeluAvailable } from './gelu.js';
export { FusedKernelName, hasFusedKernel, runFusedKernel } from './kernel-names.js';
export { fusedLayerNorm, fusedLayerNormAvailable } from './layer-norm.js';
export { fusedLinear, fusedLinearAvailable } from './linear.js';
export {
  fusedScaledDotProductAttention,
  fusedScaledDotProductAttentionAvailable,
} from './scaled-dot-product-attention.js';
export { fusedSoftmaxCrossEntropy, fusedSoftmaxCrossEntropyAvailable } from './softmax-cross-entropy.js';
