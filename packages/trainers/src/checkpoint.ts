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
import {
  findCheckpoint,
  markInFlight,
  previousPath,
  removeStaleTemporaries,
  temporaryPath,
} from './checkpoint-files.js';

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
 * built under a temporary name and renamed into place, so a crash never leaves a partial one; the
 * old checkpoint is moved aside first and removed last, and a kill between the two renames leaves
 * it for {@link loadCheckpoint} to resume from (see `checkpoint-files.ts`). What earlier
 * interrupted saves of this checkpoint left behind is removed first.
 */
export async function saveCheckpoint(
  directory: string,
  parts: { model: Module<never[], unknown>; optimizer: Optimizer<{ learningRate: number }> } & CheckpointContents,
): Promise<void> {
  const temporary = temporaryPath(directory);
  const previous = previousPath(directory);
  markInFlight(temporary, true);
  try {
    await removeStaleTemporaries(dirname(directory), basename(directory));
    await mkdir(temporary, { recursive: true });
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
    // When `directory` is missing but a previous copy exists (a kill between the renames), that
    // copy stays until the new checkpoint is in place.
    const hadCurrent = await rename(directory, previous).then(
      () => true,
      () => false,
    );
    try {
      await rename(temporary, directory);
    } catch (error) {
      if (hadCurrent) await rename(previous, directory).catch(() => undefined);
      throw error;
    }
    await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    markInFlight(temporary, false);
  }
}

/**
 * Restores model and optimizer in place from a checkpoint directory; returns the rest. When the
 * directory is missing because a save was killed between its two renames, the copy that save had
 * moved aside is read instead (`readFrom` says which).
 */
export async function loadCheckpoint(
  directory: string,
  parts: { model: Module<never[], unknown>; optimizer: Optimizer<{ learningRate: number }> },
): Promise<CheckpointContents & { readFrom: string }> {
  const readFrom = (await findCheckpoint(directory)) ?? directory;
  let trainerState: {
    formatVersion: number;
    position: TrainerPosition;
    random: RandomGeneratorState;
    optimizer: OptimizerState['config'];
    extra?: Record<string, unknown>;
  };
  try {
    trainerState = JSON.parse(await readFile(join(readFrom, 'trainer.json'), 'utf8'));
  } catch (error) {
    throw new TesseraError(
      'E_CHECKPOINT',
      `cannot read ${join(readFrom, 'trainer.json')}: ${(error as Error).message}. Is '${directory}' a checkpoint directory?`,
      { cause: error },
    );
  }
  checkTrainerState(trainerState, join(readFrom, 'trainer.json'));
  const model = await loadSafetensors(join(readFrom, 'model.safetensors'));
  const optimizer = await loadSafetensors(join(readFrom, 'optimizer.safetensors'));
  try {
    parts.model.loadStateDict(model.tensors);
    parts.optimizer.loadStateDict({ tensors: optimizer.tensors, config: trainerState.optimizer });
  } finally {
    tf.dispose([...Object.values(model.tensors), ...Object.values(optimizer.tensors)]);
  }
  return {
    position: trainerState.position,
    random: trainerState.random,
    extra: trainerState.extra ?? {},
    readFrom,
  };
}

/** The format version, and a position and random state of the right shape (not a TypeError later). */
function checkTrainerState(state: unknown, path: string): void {
  const { formatVersion, position, random, optimizer } = (state ?? {}) as Record<string, unknown>;
  if (formatVersion !== FORMAT_VERSION) {
    throw new TesseraError(
      'E_CHECKPOINT',
      `checkpoint format ${formatVersion} is not supported (expected ${FORMAT_VERSION})`,
    );
  }
  const count = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  const { step, epoch, batchInEpoch } = (position ?? {}) as Record<string, unknown>;
  const { state: randomState, increment } = (random ?? {}) as Record<string, unknown>;
  if (
    !count(step) ||
    !count(epoch) ||
    !count(batchInEpoch) ||
    typeof randomState !== 'string' ||
    typeof increment !== 'string' ||
    !/^\d+$/.test(randomState) ||
    !/^\d+$/.test(increment) ||
    typeof optimizer !== 'object' ||
    optimizer === null
  ) {
    throw new TesseraError('E_CHECKPOINT', `${path} is damaged: its position, random state or optimizer is malformed`);
  }
}
