import {
  type ExportLocation,
  type ExportManifest,
  findPackageVersion,
  readExportDirectory,
  readExportJson,
  TesseraError,
  tf,
  writeExportDirectory,
} from '@tessera/core';
import { IdMapping } from '../data/id-mapping.js';
import { RatingMatrix, type RatingScale } from '../data/rating-matrix.js';
import { BaselinePredictor } from '../models/baseline.js';
import { BayesianPersonalizedRanking } from '../models/bayesian-personalized-ranking.js';
import { BiasedMatrixFactorization } from '../models/biased-matrix-factorization.js';
import { ImplicitAlternatingLeastSquares } from '../models/implicit-alternating-least-squares.js';
import { NeighbourhoodModel } from '../models/neighbourhood.js';
import type { ModelArrays, Recommender } from '../models/recommender.js';
import { NeuralRecommender } from '../neural/neural-recommender.js';

/**
 * Recommenders as Tessera exports (kind 'recommender'): the learnt arrays and the training
 * interactions (so `recommend(..., { excludeSeen: true })` still works after loading) in
 * model.safetensors, the model's kind and options in config.json, and the user and item id maps in
 * users.json / items.json. Loads in Node and the browser (`loadRecommenderExport(url)`).
 */

export const USERS_FILE = 'users.json';
export const ITEMS_FILE = 'items.json';
const INTERACTION_PREFIX = 'interactions.';

/** How each recommender kind is rebuilt from its options. */
const RECOMMENDER_KINDS: Record<string, (config: never) => Recommender> = {
  baseline: (config) => new BaselinePredictor(config),
  'biased-matrix-factorization': (config) => new BiasedMatrixFactorization(config),
  neighbourhood: (config) => new NeighbourhoodModel(config),
  'bayesian-personalized-ranking': (config) => new BayesianPersonalizedRanking(config),
  'implicit-alternating-least-squares': (config) => new ImplicitAlternatingLeastSquares(config),
  neural: (config) => new NeuralRecommender(config),
};

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
  const arrays: ModelArrays = {
    ...model.arrays(),
    [`${INTERACTION_PREFIX}users`]: { values: matrix.userIndices, shape: [matrix.ratingCount] },
    [`${INTERACTION_PREFIX}items`]: { values: matrix.itemIndices, shape: [matrix.ratingCount] },
    [`${INTERACTION_PREFIX}values`]: { values: matrix.values, shape: [matrix.ratingCount] },
  };
  const tensors = Object.fromEntries(
    Object.entries(arrays).map(([name, array]) => [
      name,
      tf.tensor(array.values, array.shape, array.values instanceof Int32Array ? 'int32' : 'float32'),
    ]),
  );
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
  const arrays: ModelArrays = {};
  try {
    for (const [name, tensor] of Object.entries(contents.tensors)) {
      const values = tensor.dataSync();
      arrays[name] = {
        values: tensor.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
        shape: tensor.shape,
      };
    }
  } finally {
    tf.dispose(Object.values(contents.tensors));
  }
  const { recommender, options, scale, epochSeconds } = contents.config;
  const create = RECOMMENDER_KINDS[recommender];
  if (create === undefined) {
    throw new TesseraError(
      'E_EXPORT_CONFIG',
      `unknown recommender '${recommender}' in ${contents.location}; this version reads ${Object.keys(RECOMMENDER_KINDS).join(', ')}`,
    );
  }
  const interaction = (name: string) => {
    const array = arrays[`${INTERACTION_PREFIX}${name}`];
    if (array === undefined) {
      throw new TesseraError(
        'E_EXPORT_WEIGHTS',
        `model.safetensors in ${contents.location} has no '${INTERACTION_PREFIX}${name}'`,
      );
    }
    delete arrays[`${INTERACTION_PREFIX}${name}`];
    return array.values;
  };
  const users = IdMapping.fromJSON(readExportJson<string[]>(contents, USERS_FILE));
  const items = IdMapping.fromJSON(readExportJson<string[]>(contents, ITEMS_FILE));
  const userIndices = Int32Array.from(interaction('users'));
  const itemIndices = Int32Array.from(interaction('items'));
  const values = Float32Array.from(interaction('values'));
  for (let row = 0; row < userIndices.length; row++) {
    const user = userIndices[row] as number;
    const item = itemIndices[row] as number;
    if (user < 0 || user >= users.size || item < 0 || item >= items.size) {
      throw new TesseraError(
        'E_EXPORT_WEIGHTS',
        `interaction ${row} refers to user ${user} / item ${item}, outside the exported id maps`,
      );
    }
  }
  const model = create(options as never);
  model.restore(RatingMatrix.fromIndexed(users, items, userIndices, itemIndices, values, scale), arrays);
  model.epochSeconds = epochSeconds ?? [];
  return { kind: 'recommender', model, manifest: contents.manifest };
}
