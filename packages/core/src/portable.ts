/**
 * Everything in @tessera/core that needs no Node built-in. Both entries re-export it: `index.ts`
 * (Node) adds backend probing and file I/O, `browser.ts` adds the browser backend initializer, so
 * the two can't drift apart. This is the user's API; what backend authors need (adapters, fused
 * kernels) is under `@tessera/core/backend`.
 */
import './backend/gradients.js';
// tfjs's pure-JavaScript reference backend, registered on import as in tfjs (so `tf.setBackend('cpu')`
// works before any initBackend); every other backend is found through its package by initBackend.
import '@tensorflow/tfjs-backend-cpu';

/** The tfjs-core namespace Tessera runs on; use it so every package shares one engine. */
export * as tf from '@tensorflow/tfjs-core';
export type {
  ExportKind,
  ExportPrediction,
  ExportPredictOptions,
  LoadedExport,
  ServeContext,
  ServeEventStream,
  ServeLimits,
  ServeRoute,
} from '@tessera/spec';
export { isServeEventStream } from '@tessera/spec';
export type { BackendCandidate, BackendInfo, BackendName, DeviceKind } from './backend/backend-adapter.js';
export { BACKEND_NAMES, isBackendName } from './backend/backend-adapter.js';
export type { SafetensorsContents, SafetensorsSaveOptions } from './checkpoint/safetensors-bytes.js';
export { deserializeSafetensors, serializeSafetensors } from './checkpoint/safetensors-bytes.js';
export type {
  LoadableSafetensorsDtype,
  SafetensorsDtype,
  SafetensorsFloatDtype,
} from './checkpoint/safetensors-dtype.js';
export { LOADABLE_SAFETENSORS_DTYPES, SAFETENSORS_DTYPE_SIZES } from './checkpoint/safetensors-dtype.js';
export type { SafetensorsHeader, SafetensorsTensorInfo } from './checkpoint/safetensors-header.js';
export { SAFETENSORS_MAX_HEADER_BYTES } from './checkpoint/safetensors-header.js';
export type { Collated, CollateFunction, CollateOptions, Scalar as CollatableScalar } from './data/collate.js';
export { createCollate, defaultCollate } from './data/collate.js';
export type { CsvTable } from './data/csv.js';
export { parseCsv } from './data/csv.js';
export type { DataLoaderOptions } from './data/data-loader.js';
export { createDataLoader, DataLoader } from './data/data-loader.js';
export type {
  AnyDataset,
  CollateDtype,
  Dataset,
  FieldDtypes,
  InMemoryDataset,
  IterableDataset,
} from './data/dataset.js';
export { checkIndex, datasetFromArray, isIterableDataset, isMapDataset, iterableDataset } from './data/dataset.js';
export type {
  Column,
  ColumnRow,
  ColumnsExample,
  MatrixColumn,
} from './data/dataset-from-columns.js';
export { datasetFromColumns } from './data/dataset-from-columns.js';
export type { Subset } from './data/dataset-transforms.js';
export { concatDatasets, mapDataset, subset } from './data/dataset-transforms.js';
export type { Fold, KFoldOptions, StratifiedKFoldOptions } from './data/k-fold.js';
export { kFoldIndices, stratifiedKFoldIndices } from './data/k-fold.js';
export type { ClassLabels } from './data/labels.js';
export { shuffleWithBuffer } from './data/shuffle-buffer.js';
export type { TrainTestIndices } from './data/splits.js';
export { randomSplit, resolveSplitSizes, stratifiedSplit } from './data/splits.js';
export type { ErrorCategory, TesseraErrorCode, TesseraErrorOptions } from './errors.js';
export { ERROR_CATEGORIES, isTesseraError, TesseraError } from './errors.js';
export {
  findExportKind,
  listExportKinds,
  registerExportKind,
  requireExportKind,
  unregisterExportKind,
} from './export/export-kind-registry.js';
export type { ExportFileEntry, ExportManifest, ExportModelKind } from './export/export-manifest.js';
export {
  EXPORT_CONFIG_FILE,
  EXPORT_FORMAT_VERSION,
  EXPORT_MANIFEST_FILE,
  EXPORT_WEIGHTS_FILE,
  isPlainFileName,
  parseExportManifest,
} from './export/export-manifest.js';
export type { ExportLocation, ExportSource } from './export/export-source.js';
export { directoryExportSource, resolveExportSource, urlExportSource } from './export/export-source.js';
export type { ExportContents, ReadExportOptions } from './export/read-export-directory.js';
export {
  decodeExportFile,
  readExportDirectory,
  readExportJson,
  readExportManifest,
} from './export/read-export-directory.js';
export { sha256Hex } from './export/sha256.js';
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
export type { AccuracyOptions, TopKAccuracyOptions } from './metrics/accuracy.js';
export { accuracy, topKAccuracy } from './metrics/accuracy.js';
export type {
  ConfusionMatrix,
  ConfusionMatrixNormalization,
  ConfusionMatrixOptions,
} from './metrics/confusion-matrix.js';
export { confusionMatrix } from './metrics/confusion-matrix.js';
export type {
  LabelReadingOptions,
  Metric,
  MetricCallArguments,
  MetricFunction,
  MetricInput,
  MetricOptions,
  NestedNumberArray,
} from './metrics/metric.js';
export { defineMetric } from './metrics/metric.js';
export type { PerplexityOptions } from './metrics/perplexity.js';
export { perplexity, perplexityFromLosses } from './metrics/perplexity.js';
export type {
  ClassificationAverage,
  PrecisionRecallF1,
  PrecisionRecallF1Support,
  PrecisionRecallF1SupportOptions,
  PrecisionRecallOptions,
} from './metrics/precision-recall.js';
export {
  f1,
  precision,
  precisionRecallF1,
  precisionRecallF1Support,
  recall,
} from './metrics/precision-recall.js';
export {
  meanAbsoluteError,
  meanSquaredError,
  r2Score,
  rootMeanSquaredError,
} from './metrics/regression.js';
export type { RocAucAverage, RocAucOptions } from './metrics/roc-auc.js';
export { rocAuc } from './metrics/roc-auc.js';
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
export type { BatchNormOptions } from './nn/layers/batch-norm.js';
export { BatchNorm } from './nn/layers/batch-norm.js';
export type { AnyModule } from './nn/layers/containers.js';
export { Flatten, ModuleList, Sequential } from './nn/layers/containers.js';
export type { Conv2dOptions, Padding, Pair } from './nn/layers/convolution.js';
export { Conv2d } from './nn/layers/convolution.js';
export { Dropout } from './nn/layers/dropout.js';
export type { EmbeddingOptions } from './nn/layers/embedding.js';
export { Embedding } from './nn/layers/embedding.js';
export type { LinearOptions } from './nn/layers/linear.js';
export { Linear } from './nn/layers/linear.js';
export type { LayerNormOptions } from './nn/layers/normalization.js';
export { LayerNorm, RMSNorm } from './nn/layers/normalization.js';
export { AvgPool2d, GlobalAveragePooling2d, MaxPool2d } from './nn/layers/pooling.js';
export type { RecurrentOptions, RecurrentState } from './nn/layers/recurrent.js';
export { GRU, LSTM } from './nn/layers/recurrent.js';
export { Module, parameterNameMatcher } from './nn/module.js';
export type { GradientTransform } from './optim/gradients.js';
export { clipGradientNorm, computeGradients, globalNorm } from './optim/gradients.js';
export type {
  NamedGradients,
  NamedParameters,
  OptimizerState,
  ParameterGroup,
  ResolvedGroup,
} from './optim/optimizer.js';
export { Optimizer } from './optim/optimizer.js';
export type {
  AdagradOptions,
  AdamOptions,
  Parameters as OptimizerParameters,
  RMSpropOptions,
  SGDOptions,
} from './optim/optimizers.js';
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
export type { Int8Quantized } from './quantization/int8-per-channel.js';
export { dequantizeInt8PerChannel, quantizeInt8PerChannel } from './quantization/int8-per-channel.js';
export type { QuantizationRule, QuantizationSummary } from './quantization/int8-safetensors.js';
export {
  defaultQuantizationRule,
  deserializeInt8Safetensors,
  INT8_QUANTIZATION_SCHEME,
  serializeInt8Safetensors,
} from './quantization/int8-safetensors.js';
export type { RandomGenerator, RandomGeneratorState } from './random/random-generator.js';
export { createRandomGenerator } from './random/random-generator.js';
export type { ClassificationBatch, ClassificationTaskOptions } from './task/classification-task.js';
export { classificationTask } from './task/classification-task.js';
export type { Task, TaskOutput } from './task/task.js';
export type { NumericTypedArray } from './typed-arrays.js';
