import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  loadSafetensors,
  type Module,
  type Optimizer,
  type OptimizerState,
  type RandomGeneratorState,
  saveSafetensors,
  TesseraError,
  tf,
} from '@tessera/core';

/** Where a run stands: enough to continue exactly where it stopped. */
export interface TrainerPosition {
  /** Optimizer steps taken. */
  step: number;
  /** The epoch in progress. */
  epoch: number;
  /** Batches of that epoch already consumed. */
  batchInEpoch: number;
}

export interface CheckpointContents {
  position: TrainerPosition;
  /** The global generator's state (dropout masks, sampling). */
  random: RandomGeneratorState;
  /** Anything a callback wants to keep (e.g. early stopping's best value). */
  extra: Record<string, unknown>;
}

const FORMAT_VERSION = 1;

/**
 * Writes a checkpoint directory: `model.safetensors` (the state dict), `optimizer.safetensors`
 * (its slots) and `trainer.json` (position, RNG state, optimizer config, extras). The directory is
 * built under a temporary name and renamed into place, so a crash never leaves a partial one.
 */
export async function saveCheckpoint(
  directory: string,
  parts: { model: Module<never[], unknown>; optimizer: Optimizer<{ learningRate: number }> } & CheckpointContents,
): Promise<void> {
  const temporary = join(dirname(directory), `.${basename(directory)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(temporary, { recursive: true });
  try {
    const optimizerState = parts.optimizer.stateDict();
    await saveSafetensors(join(temporary, 'model.safetensors'), parts.model.stateDict());
    await saveSafetensors(join(temporary, 'optimizer.safetensors'), optimizerState.tensors);
    const trainerState = {
      formatVersion: FORMAT_VERSION,
      position: parts.position,
      random: parts.random,
      optimizer: optimizerState.config,
      extra: parts.extra,
    };
    await writeFile(join(temporary, 'trainer.json'), `${JSON.stringify(trainerState, null, 2)}\n`);
    const previous = `${temporary}.previous`;
    const hadPrevious = await rename(directory, previous).then(
      () => true,
      () => false,
    );
    await rename(temporary, directory);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** Restores model and optimizer in place from a checkpoint directory; returns the rest. */
export async function loadCheckpoint(
  directory: string,
  parts: { model: Module<never[], unknown>; optimizer: Optimizer<{ learningRate: number }> },
): Promise<CheckpointContents> {
  let trainerState: {
    formatVersion: number;
    position: TrainerPosition;
    random: RandomGeneratorState;
    optimizer: OptimizerState['config'];
    extra?: Record<string, unknown>;
  };
  try {
    trainerState = JSON.parse(await readFile(join(directory, 'trainer.json'), 'utf8'));
  } catch (error) {
    throw new TesseraError(
      'E_CHECKPOINT',
      `cannot read ${join(directory, 'trainer.json')}: ${(error as Error).message}. Is '${directory}' a checkpoint directory?`,
      { cause: error },
    );
  }
  if (trainerState.formatVersion !== FORMAT_VERSION) {
    throw new TesseraError(
      'E_CHECKPOINT',
      `checkpoint format ${trainerState.formatVersion} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  const model = await loadSafetensors(join(directory, 'model.safetensors'));
  const optimizer = await loadSafetensors(join(directory, 'optimizer.safetensors'));
  try {
    parts.model.loadStateDict(model.tensors);
    parts.optimizer.loadStateDict({ tensors: optimizer.tensors, config: trainerState.optimizer });
  } finally {
    tf.dispose([...Object.values(model.tensors), ...Object.values(optimizer.tensors)]);
  }
  return { position: trainerState.position, random: trainerState.random, extra: trainerState.extra ?? {} };
}
