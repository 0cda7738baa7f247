import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import type { RatingScale } from '../data/rating-matrix.js';
import type { Recommender } from '../models/recommender.js';
import { recommenderTensors, restoreRecommender } from './recommender-state.js';

const FORMAT = 'tessera-recsys';
const FORMAT_VERSION = 1;
const CONFIG_FILE = 'config.json';
const WEIGHTS_FILE = 'model.safetensors';

interface SavedConfig {
  format: typeof FORMAT;
  formatVersion: number;
  kind: string;
  config: Record<string, unknown>;
  scale: RatingScale;
  users: string[];
  items: string[];
  epochSeconds: number[];
}

/**
 * Saves a trained recommender to `directory`: `config.json` (kind, options, the user and item id
 * mappings, rating scale) and `model.safetensors` (the learnt arrays plus the training
 * interactions, so recommendations after loading still leave out seen items). Both files are
 * written atomically.
 */
export async function saveRecommender(model: Recommender, directory: string): Promise<void> {
  const matrix = model.matrix; // throws a clear error for an untrained model
  await mkdir(directory, { recursive: true });
  const tensors = recommenderTensors(model);
  try {
    await saveSafetensors(join(directory, WEIGHTS_FILE), tensors, { metadata: { format: FORMAT, kind: model.kind } });
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const saved: SavedConfig = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    kind: model.kind,
    config: model.config(),
    scale: matrix.scale,
    users: matrix.users.toJSON(),
    items: matrix.items.toJSON(),
    epochSeconds: model.epochSeconds,
  };
  await writeTextFileAtomically(join(directory, CONFIG_FILE), `${JSON.stringify(saved)}\n`);
}

/** Loads a recommender saved by `saveRecommender` (any kind). Neural models need a tfjs backend (initBackend). */
export async function loadRecommender(directory: string): Promise<Recommender> {
  let text: string;
  try {
    text = await readFile(join(directory, CONFIG_FILE), 'utf8');
  } catch (error) {
    throw new TesseraError(
      'E_RECSYS_MODEL_FILE',
      `cannot read ${CONFIG_FILE} in '${directory}': is it a directory written by saveRecommender? (${(error as Error).message})`,
      { cause: error },
    );
  }
  let saved: SavedConfig;
  try {
    saved = JSON.parse(text) as SavedConfig;
  } catch (error) {
    throw new TesseraError('E_RECSYS_MODEL_FILE', `${join(directory, CONFIG_FILE)} is not valid JSON`, {
      cause: error,
    });
  }
  if (saved.format !== FORMAT || saved.formatVersion !== FORMAT_VERSION) {
    throw new TesseraError(
      'E_RECSYS_MODEL_FILE',
      `${join(directory, CONFIG_FILE)} is not a ${FORMAT} v${FORMAT_VERSION} model (format '${saved.format}', version ${saved.formatVersion})`,
    );
  }
  const { tensors } = await loadSafetensors(join(directory, WEIGHTS_FILE));
  return restoreRecommender(
    { ...saved, options: saved.config, tensors },
    { config: 'E_RECSYS_MODEL_FILE', weights: 'E_RECSYS_MODEL_FILE' },
    join(directory, WEIGHTS_FILE),
  );
}
