import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, writeTextFileAtomically } from '@tessera/core';
import type { ModelState } from '../federated-averaging/model-state.js';

/** One completed round, as the server records it. */
export interface ServerRoundRecord {
  round: number;
  /** Attempts it took (1 when no attempt failed for lack of clients). */
  attempts: number;
  participants: string[];
  /** Clients selected that did not finish (dropped out, timed out, or were rejected). */
  dropped: string[];
  exampleCount: number;
  trainingLoss: number;
  secureAggregation: boolean;
  /** Updates scaled down to maxUpdateNorm (plain mode), or 1 when the aggregate was (secure mode). */
  clippedUpdates: number;
  seconds: number;
  metrics?: Record<string, number>;
}

/** What `server-state.json` holds. */
export interface ServerState {
  format: 'tessera-federated-server/1';
  completedRounds: number;
  /** The safetensors file, in the same directory, with the global model after `completedRounds`. */
  modelFile: string;
  history: ServerRoundRecord[];
}

const STATE_FILE = 'server-state.json';
const modelFileName = (round: number) => `global-model-round-${String(round).padStart(6, '0')}.safetensors`;

/**
 * Saves the state after a completed round so that a crash at ANY moment leaves a consistent
 * checkpoint: the model goes to a new file (atomically), then `server-state.json` is replaced
 * atomically to point at it, and only then are older model files removed.
 */
export async function saveServerCheckpoint(
  directory: string,
  global: ModelState,
  completedRounds: number,
  history: ServerRoundRecord[],
): Promise<void> {
  const modelFile = modelFileName(completedRounds);
  await saveSafetensors(join(directory, modelFile), global, { metadata: { round: String(completedRounds) } });
  const state: ServerState = { format: 'tessera-federated-server/1', completedRounds, modelFile, history };
  await writeTextFileAtomically(join(directory, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  for (const name of await readdir(directory)) {
    if (name.startsWith('global-model-round-') && name.endsWith('.safetensors') && name !== modelFile) {
      await rm(join(directory, name), { force: true });
    }
  }
}

/** The last checkpoint in `directory`, or undefined when there is none yet. The caller owns the tensors. */
export async function loadServerCheckpoint(
  directory: string,
): Promise<{ state: ServerState; global: ModelState } | undefined> {
  let text: string;
  try {
    text = await readFile(join(directory, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: ServerState;
  try {
    state = JSON.parse(text) as ServerState;
  } catch (error) {
    throw new TesseraError('E_FEDERATED_CHECKPOINT', `${join(directory, STATE_FILE)} is not valid JSON`, {
      cause: error,
    });
  }
  if (
    state?.format !== 'tessera-federated-server/1' ||
    !Number.isSafeInteger(state.completedRounds) ||
    typeof state.modelFile !== 'string' ||
    state.modelFile.includes('/') ||
    !Array.isArray(state.history)
  ) {
    throw new TesseraError(
      'E_FEDERATED_CHECKPOINT',
      `${join(directory, STATE_FILE)} is not a Tessera federated server checkpoint`,
    );
  }
  const { tensors } = await loadSafetensors(join(directory, state.modelFile));
  return { state, global: tensors };
}
