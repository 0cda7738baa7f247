/**
 * `@tessera/core/backend`: what backend authors and tools need, kept out of the user's API.
 * - the backend contract (re-exported from @tessera/spec) and core's adapters, one per known
 *   backend, each finding its package by name; `createBackendInitializer` over any list of them;
 * - Tessera's fused kernels: their names and attributes (spec), and core's ops that run one where
 *   the active backend registers it (`fusedLinear`, …), with `hasFusedKernel` / `runFusedKernel`.
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
export type { BackendSource } from './backend/backend-sources.js';
export { BACKEND_SOURCES } from './backend/backend-sources.js';
export type { BackendInitializer } from './backend/init-backend.js';
export { createBackendInitializer } from './backend/init-backend.js';
export { builtinBackendAdapters, packageBackendAdapter } from './backend/package-adapters.js';
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
