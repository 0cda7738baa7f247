/**
 * The part of `@tessera/core/backend` that needs no Node built-in (the subpath's browser build):
 * the backend contract's types (from @tessera/spec) and Tessera's fused kernels: their names and
 * attributes, and core's ops that run one where the active backend registers it (`fusedLinear`,
 * …), with `hasFusedKernel` / `runFusedKernel`.
 */
export type {
  AdamUpdateAttributes,
  BackendActivation,
  BackendAdapter,
  BackendAvailability,
  BackendPackage,
  ClipByGlobalNormAttributes,
  EmbeddingGradAttributes,
  GeluAttributes,
  LayerNormAttributes,
  ScaledDotProductAttentionAttributes,
  SoftmaxCrossEntropyAttributes,
} from '@tessera/spec';
export {
  FusedKernelName,
  fusedAdamUpdate,
  fusedAdamUpdateAvailable,
  fusedClipByGlobalNorm,
  fusedClipByGlobalNormAvailable,
  fusedEmbedding,
  fusedEmbeddingAvailable,
  fusedGelu,
  fusedGeluAvailable,
  fusedLayerNorm,
  fusedLayerNormAvailable,
  fusedLinear,
  fusedLinearAvailable,
  fusedScaledDotProductAttention,
  fusedScaledDotProductAttentionAvailable,
  fusedSoftmaxCrossEntropy,
  fusedSoftmaxCrossEntropyAvailable,
  hasFusedKernel,
  runFusedKernel,
} from './fused/index.js';
