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
export type { BinaryCrossEntropyOptions } from './losses/binary-cross-entropy.js';
export { binaryCrossEntropyWithLogits } from './losses/binary-cross-entropy.js';
export type { CrossEntropyOptions } from './losses/cross-entropy.js';
export { crossEntropy, softCrossEntropy } from './losses/cross-entropy.js';
export type { Reduction } from './losses/reduction.js';
export {
  huberLoss,
  l1Penalty,
  l2Penalty,
  meanAbsoluteErrorLoss,
  meanSquaredErrorLoss,
} from './losses/regression-losses.js';
export type { ActivationName } from './nn/activations.js';
export { Activation, gelu, logSoftmax, relu, sigmoid, silu, softmax, tanh } from './nn/activations.js';
export type { Initializer, KaimingOptions } from './nn/initializers.js';
export {
  computeFans,
  constant,
  getGlobalRandom,
  kaimingNormal,
  kaimingUniform,
  normal,
  ones,
  pytorchDefault,
  setGlobalSeed,
  truncatedNormal,
  uniform,
  xavierNormal,
  xavierUniform,
  zeros,
} from './nn/initializers.js';
export { Flatten, ModuleList, Sequential } from './nn/layers/containers.js';
export { Dropout } from './nn/layers/dropout.js';
export type { EmbeddingOptions } from './nn/layers/embedding.js';
export { Embedding } from './nn/layers/embedding.js';
export type { LinearOptions } from './nn/layers/linear.js';
export { Linear } from './nn/layers/linear.js';
export type { LayerNormOptions } from './nn/layers/normalization.js';
export { LayerNorm, RMSNorm } from './nn/layers/normalization.js';
export { Module } from './nn/module.js';
export type { GradientTransform } from './optim/gradients.js';
export { clipGradientNorm, computeGradients, globalNorm } from './optim/gradients.js';
export type { NamedGradients, NamedParameters, OptimizerState, ParameterGroup } from './optim/optimizer.js';
export { Optimizer } from './optim/optimizer.js';
export type { AdagradOptions, AdamOptions, RMSpropOptions, SGDOptions } from './optim/optimizers.js';
export { Adagrad, Adam, AdamW, RMSprop, SGD, weightDecayGroups } from './optim/optimizers.js';
export type { LearningRateSchedule, OneCycleOptions, WarmupDecayOptions } from './optim/schedules.js';
export {
  constantSchedule,
  cosineWithWarmupSchedule,
  exponentialSchedule,
  linearWithWarmupSchedule,
  oneCycleSchedule,
  stepSchedule,
} from './optim/schedules.js';
export type { RandomGenerator, RandomGeneratorState } from './random/random-generator.js';
export { createRandomGenerator } from './random/random-generator.js';
