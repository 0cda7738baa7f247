/**
 * @tessera/spec: the contracts Tessera's packages compose through. Types first, plus the few
 * constants they share (backend names, fused kernel names, error categories) and the one error
 * class. It depends on no other @tessera package; implementation packages depend on it.
 */
export type {
  BackendActivation,
  BackendAdapter,
  BackendAvailability,
  BackendAvailabilityRequest,
  BackendCandidate,
  BackendInfo,
  BackendPackage,
  DeviceKind,
} from './backend.js';
export { BACKEND_NAMES, type BackendName, isBackendName } from './backend.js';
export type { ErrorCategory, TesseraErrorCode, TesseraErrorOptions } from './errors.js';
export { DEFAULT_ERROR_CATEGORY, ERROR_CATEGORIES, isTesseraError, TesseraError } from './errors.js';
export type {
  ExportKind,
  ExportLocation,
  ExportPrediction,
  ExportPredictOptions,
  ExportSource,
  LoadedExport,
  ServeContext,
  ServeEventStream,
  ServeLimits,
  ServeRoute,
} from './export-kind.js';
export { isServeEventStream } from './export-kind.js';
export type {
  AdamUpdateAttributes,
  ClipByGlobalNormAttributes,
  EmbeddingGradAttributes,
  GeluAttributes,
  LayerNormAttributes,
  ScaledDotProductAttentionAttributes,
  SoftmaxCrossEntropyAttributes,
} from './fused-kernels.js';
export { FusedKernelName } from './fused-kernels.js';
export type {
  GradientTransform,
  Metric,
  MetricInput,
  NamedGradients,
  NestedNumberArray,
  NumericTypedArray,
  Task,
  TaskOutput,
} from './training.js';
