import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Adagrad,
  Adam,
  AdamW,
  clipGradientNorm,
  constantSchedule,
  cosineWithWarmupSchedule,
  initBackend,
  type LearningRateSchedule,
  linearWithWarmupSchedule,
  type NamedParameters,
  type Optimizer,
  RMSprop,
  SGD,
  setGlobalSeed,
  TesseraError,
  weightDecayGroups,
} from '@tessera/core';
import type { Callback } from '../callback.js';
import { earlyStopping } from '../callbacks/early-stopping.js';
import { type ProgressOptions, progress } from '../callbacks/progress.js';
import { findCheckpoint } from '../checkpoint-files.js';
import { prepareRunDirectory } from '../run-directory.js';
import { type EvaluationResult, Trainer } from '../trainer.js';
import { type BuiltData, dataSources, models, tasks } from './components.js';
import { decodeConfigBytes, parseConfigText } from './config-text.js';
import { validateRunConfig } from './load-config.js';
import type { RunConfig } from './run-config.js';

export interface TrainFromConfigOptions {
  /** Where progress goes (default stderr); `false` for none. */
  progress?: ProgressOptions | false;
  /** Aborting stops training after the current step; the run is checkpointed and reported. */
  signal?: AbortSignal;
}

export interface TrainFromConfigResult {
  runDirectory: string;
  /** True when the signal stopped the run before its budget. */
  interrupted: boolean;
  steps: number;
  /** The final evaluation on the validation split, when the data has one. */
  evaluation: EvaluationResult | undefined;
}

function createOptimizer(
  config: RunConfig['optimizer'],
  parameters: NamedParameters,
): Optimizer<{ learningRate: number }> {
  const { kind, ...options } = config;
  switch (kind) {
    case 'sgd':
      return new SGD(parameters, options);
    case 'adam':
      return new Adam(parameters, options);
    case 'adamw':
      return new AdamW(weightDecayGroups(parameters, options.weightDecay ?? 1e-2), options);
    case 'rmsprop':
      return new RMSprop(parameters, options);
    case 'adagrad':
      return new Adagrad(parameters, options);
  }
}

function createSchedule(config: RunConfig['schedule'], totalSteps: number): LearningRateSchedule {
  if (config.kind === 'constant') return constantSchedule();
  const options = {
    warmupSteps: config.warmupSteps,
    totalSteps: Math.max(totalSteps, config.warmupSteps + 1),
    minimumFactor: config.minimumFactor,
  };
  return config.kind === 'cosine' ? cosineWithWarmupSchedule(options) : linearWithWarmupSchedule(options);
}

/** Everything a run needs, built from its config (deterministically from its seed). */
async function buildRun(config: RunConfig) {
  await initBackend(config.backend === undefined ? {} : { backend: config.backend });
  setGlobalSeed(config.seed);
  const data: BuiltData = await dataSources.build(config.data, { seed: config.seed });
  const model = await models.build(config.model, { inputSize: data.inputSize, outputSize: data.outputSize });
  const task = await tasks.build(config.task, {});
  const { training } = config;
  const stepsPerEpoch = Math.ceil((data.trainLoader.length ?? 0) / training.gradientAccumulationSteps);
  const totalSteps = training.maxSteps ?? stepsPerEpoch * (training.epochs ?? 1);
  const optimizer = createOptimizer(config.optimizer, model.trainableParameters());
  return { data, model, task, optimizer, schedule: createSchedule(config.schedule, totalSteps) };
}

async function runTraining(
  config: RunConfig,
  directory: string,
  resume: boolean,
  options: TrainFromConfigOptions,
): Promise<TrainFromConfigResult> {
  const { data, model, task, optimizer, schedule } = await buildRun(config);
  const { training } = config;
  const run = await prepareRunDirectory({
    directory,
    ...(resume ? {} : { config }),
    ...(training.checkpointEverySteps === undefined ? {} : { checkpointEverySteps: training.checkpointEverySteps }),
    keepLast: training.keepLast,
    ...(training.earlyStopping === undefined
      ? {}
      : { monitor: training.earlyStopping.monitor, mode: training.earlyStopping.mode }),
  });
  const callbacks: Callback[] = [
    ...(options.progress === false ? [] : [progress(options.progress ?? {})]),
    ...(training.earlyStopping === undefined ? [] : [earlyStopping({ ...training.earlyStopping })]),
    ...run.callbacks,
  ];
  const trainer = new Trainer({
    model,
    task,
    optimizer,
    schedule,
    gradientTransforms: training.clipGradientNorm === undefined ? [] : [clipGradientNorm(training.clipGradientNorm)],
    gradientAccumulationSteps: training.gradientAccumulationSteps,
    ...(training.precision === undefined ? {} : { precision: training.precision }),
    callbacks,
  });
  const stop = () => {
    trainer.stopTraining = true;
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    await trainer.fit(data.trainLoader, {
      ...(training.epochs === undefined ? {} : { epochs: training.epochs }),
      ...(training.maxSteps === undefined ? {} : { maxSteps: training.maxSteps }),
      ...(data.evaluationLoader === undefined ? {} : { evaluationLoader: data.evaluationLoader }),
      ...(training.evaluateEvery === undefined ? {} : { evaluateEvery: training.evaluateEvery }),
      ...(resume ? { resumeFrom: run.lastCheckpoint } : {}),
    });
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  const interrupted = options.signal?.aborted === true;
  const evaluation =
    data.evaluationLoader === undefined || interrupted ? undefined : await trainer.evaluate(data.evaluationLoader);
  return { runDirectory: directory, interrupted, steps: trainer.position.step, evaluation };
}

/** Starts a new run in `<runsDirectory>/<name>`; fails if that run already exists. */
export async function trainFromConfig(
  config: RunConfig,
  options: TrainFromConfigOptions = {},
): Promise<TrainFromConfigResult> {
  const directory = join(config.runsDirectory, config.name);
  const exists = await access(join(directory, 'config.json')).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new TesseraError(
      'E_RUN_EXISTS',
      `run directory ${directory} already holds a run: resume it with 'tessera train --resume ${directory}' or choose another name`,
    );
  }
  return runTraining(config, directory, false, options);
}

/** Reads a run directory's config.json, validated again (configs are data, not code). */
export async function readRunConfig(runDirectory: string): Promise<RunConfig> {
  const path = join(runDirectory, 'config.json');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TesseraError('E_RUN_DIRECTORY', `${runDirectory} is not a run directory: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const raw = parseConfigText(decodeConfigBytes(bytes, path), path, 'json');
  try {
    return validateRunConfig(raw);
  } catch (error) {
    if (error instanceof TesseraError)
      throw new TesseraError(error.code, `${path}: ${error.message.replace(/^E_\w+: /, '')}`, { cause: error });
    throw error;
  }
}

/** Continues a run from its last checkpoint, exactly where it stopped. */
export async function resumeRun(
  runDirectory: string,
  options: TrainFromConfigOptions = {},
): Promise<TrainFromConfigResult> {
  const config = await readRunConfig(runDirectory);
  // A save killed between its two renames leaves checkpoints/.last.previous: resume from that.
  if ((await findCheckpoint(join(runDirectory, 'checkpoints', 'last'))) === undefined) {
    throw new TesseraError('E_RUN_DIRECTORY', `${runDirectory} has no checkpoint to resume from (checkpoints/last)`);
  }
  return runTraining(config, runDirectory, true, options);
}

/** Evaluates a run's checkpoint ('last' or 'best') on its validation split. */
export async function evaluateRun(
  runDirectory: string,
  checkpoint: 'last' | 'best' = 'last',
): Promise<EvaluationResult> {
  const config = await readRunConfig(runDirectory);
  const { data, model, task, optimizer } = await buildRun(config);
  if (data.evaluationLoader === undefined) {
    throw new TesseraError(
      'E_RUN_DIRECTORY',
      `the run's data has no validation split to evaluate on (validationFraction is 0)`,
    );
  }
  const trainer = new Trainer({ model, task, optimizer });
  await trainer.loadCheckpoint(join(runDirectory, 'checkpoints', checkpoint));
  return trainer.evaluate(data.evaluationLoader);
}
