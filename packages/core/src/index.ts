import './backend/gradients.js';

/** The tfjs-core namespace Tessera runs on; use it so every package shares one engine. */
export * as tf from '@tensorflow/tfjs-core';
export type {
  BackendAdapter,
  BackendAvailability,
  BackendCandidate,
  BackendInfo,
  BackendName,
  DeviceKind,
} from './backend/backend-adapter.js';
export { builtinBackendAdapters } from './backend/builtin-adapters.js';
export type { BackendInitializer, InitBackendOptions } from './backend/init-backend.js';
export {
  activeBackend,
  BACKEND_ENVIRONMENT_VARIABLE,
  createBackendInitializer,
  initBackend,
  listBackends,
} from './backend/init-backend.js';
export { fillMissingKernels, kernelFills } from './backend/kernel-fills.js';
export type { KernelFill } from './backend/kernels/kernel-fill.js';
export type { TesseraErrorCode } from './errors.js';
export { isTesseraError, TesseraError } from './errors.js';

export { createRandomGenerator } from './random/random-generator.js';
export type { RandomGenerator, RandomGeneratorState } from './random/random-generator.js';
