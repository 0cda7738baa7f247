import {
  type ExportLocation,
  type ExportManifest,
  findPackageVersion,
  readExportDirectory,
  readExportJson,
  tf,
  writeExportDirectory,
} from '@tessera/core';
import type { RatingScale } from '../data/rating-matrix.js';
import type { Recommender } from '../models/recommender.js';
import { recommenderTensors, restoreRecommender } from '../persistence/recommender-state.js';

/**
 * Recommenders as Tessera exports (kind 'recommender'): the learnt arrays and the training
 * interactions (so `recommend(..., { excludeSeen: true })` still works after loading) in
 * model.safetensors, the model's kind and options in config.json, and the user and item id maps in
 * users.json / items.json. Loads in Node and the browser (`loadRecommenderExport(url)`).
 */

export const USERS_FILE = 'users.json';
export const ITEMS_FILE = 'items.json';

/** config.json of a recommender export. */
export interface RecommenderExportConfig {
  recommender: string;
  options: Record<string, unknown>;
  scale: RatingScale;
  epochSeconds: number[];
}

export interface LoadedRecommenderExport {
  kind: 'recommender';
  model: Recommender;
  manifest: ExportManifest;
}

/** Exports a trained recommender (any kind `saveRecommender` handles). */
export async function exportRecommender(
  directory: string,
  model: Recommender,
  options: { metadata?: Record<string, unknown>; overwrite?: boolean } = {},
): Promise<ExportManifest> {
  const matrix = model.matrix; // throws a clear error for an untrained model
  const tensors = recommenderTensors(model);
  const config: RecommenderExportConfig = {
    recommender: model.kind,
    options: model.config(),
    scale: matrix.scale,
    epochSeconds: model.epochSeconds,
  };
  try {
    return await writeExportDirectory(directory, {
      kind: 'recommender',
      config,
      tensors,
      files: {
        [USERS_FILE]: JSON.stringify(matrix.users.toJSON()),
        [ITEMS_FILE]: JSON.stringify(matrix.items.toJSON()),
      },
      producer: { name: '@tessera/recsys', version: await findPackageVersion(import.meta.url, '@tessera/recsys') },
      metadata: options.metadata ?? {},
      overwrite: options.overwrite ?? false,
    });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Loads a recommender export from a directory, a URL or an ExportSource, checksums verified. */
export async function loadRecommenderExport(location: ExportLocation): Promise<LoadedRecommenderExport> {
  const contents = await readExportDirectory<RecommenderExportConfig>(location, { kinds: ['recommender'] });
  const { recommender, options, scale, epochSeconds } = contents.config;
  let users: string[];
  let items: string[];
  try {
    users = readExportJson<string[]>(contents, USERS_FILE);
    items = readExportJson<string[]>(contents, ITEMS_FILE);
  } catch (error) {
    tf.dispose(Object.values(contents.tensors));
    throw error;
  }
  const model = restoreRecommender(
    { kind: recommender, options, scale, epochSeconds, users, items, tensors: contents.tensors },
    { config: 'E_EXPORT_CONFIG', weights: 'E_EXPORT_WEIGHTS' },
    `model.safetensors in ${contents.location}`,
  );
  return { kind: 'recommender', model, manifest: contents.manifest };
}
