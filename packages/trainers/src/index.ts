export type { Callback, EvaluationLogs, StepLogs, TrainerHandle } from './callback.js';
export type { CheckpointingOptions } from './callbacks/checkpointing.js';
export { checkpointing } from './callbacks/checkpointing.js';
export type { EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { earlyStopping } from './callbacks/early-stopping.js';
export { metricsLog } from './callbacks/metrics-log.js';
export type { ProgressOptions } from './callbacks/progress.js';
export { formatStepLine, progress } from './callbacks/progress.js';
export type { CheckpointContents, TrainerPosition } from './checkpoint.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { BuiltData } from './config/components.js';
export { dataSources, models, tasks } from './config/components.js';
export { loadRunConfig, parseRunConfig, validateRunConfig } from './config/load-config.js';
export type { ComponentDefinition } from './config/registry.js';
export { ComponentRegistry } from './config/registry.js';
export type { RunConfig } from './config/run-config.js';
export { runConfigSchema } from './config/run-config.js';
export type { TrainFromConfigOptions, TrainFromConfigResult } from './config/train-from-config.js';
export { evaluateRun, readRunConfig, resumeRun, trainFromConfig } from './config/train-from-config.js';
export type { CrossValidationOptions, CrossValidationResult } from './cross-validation.js';
export { crossValidate } from './cross-validation.js';
export type { GroupRule, LoadPretrainedReport } from './fine-tuning.js';
export { loadPretrainedWeights, parameterGroupsByName, unfreezeSchedule } from './fine-tuning.js';
export type {
  SearchDimension,
  SearchOptions,
  SearchPoint,
  SearchResult,
  SearchSpace,
  Trial,
} from './hyperparameter-search.js';
export { hyperparameterSearch } from './hyperparameter-search.js';
export type { MetricsRecord, RunReport } from './report.js';
export { readMetricsLog, writeRunReport } from './report.js';
export type { RunDirectory, RunDirectoryOptions } from './run-directory.js';
export { prepareRunDirectory } from './run-directory.js';
export type { EvaluationResult, FitOptions, TrainerOptions } from './trainer.js';
export { Trainer } from './trainer.js';
export type { TrainingPrecision } from './training-precision.js';
export { applyTrainingPrecision, TRAINING_PRECISIONS } from './training-precision.js';
export type { TrainingStepOptions, TrainingStepResult } from './training-step.js';
export { TrainingStep } from './training-step.js';
