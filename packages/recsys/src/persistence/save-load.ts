import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSafetensors, saveSafetensors, TesseraError, tf, writeTextFileAtomically } from '@tessera/core';
import { IdMapping } from '../data/id-mapping.js';
import { RatingMatrix, type RatingScale } from '../data/rating-matrix.js';
import { BaselinePredictor } from '../models/baseline.js';
import { BayesianPersonalizedRanking } from '../models/bayesian-personalized-ranking.js';
import { BiasedMatrixFactorization } from '../models/biased-matrix-factorization.js';
import { ImplicitAlternatingLeastSquares } from '../models/implicit-alternating-least-squares.js';
import { NeighbourhoodModel } from '../models/neighbourhood.js';
import type { ModelArrays, Recommender } from '../models/recommender.js';
import { NeuralRecommender } from '../neural/neural-recommender.js';

const FORMAT = 'tessera-recsys';
const FORMAT_VERSION = 1;
const CONFIG_FILE = 'config.json';
const WEIGHTS_FILE = 'model.safetensors';
/** Training interactions travel with the model so `recommend` can leave out what a user has seen. */
const INTERACTION_PREFIX = 'interactions.';

/** How each saved `kind` is rebuilt from its config. */
// biome-ignore lint/suspicious/noExplicitAny: each constructor takes its own options object.
const RECOMMENDER_KINDS: Record<string, (config: any) => Recommender> = {
  baseline: (config) => new BaselinePredictor(config),
  'biased-matrix-factorization': (config) => new BiasedMatrixFactorization(config),
  neighbourhood: (config) => new NeighbourhoodModel(config),
  'bayesian-personalized-ranking': (config) => new BayesianPersonalizedRanking(config),
  'implicit-alternating-least-squares': (config) => new ImplicitAlternatingLeastSquares(config),
  neural: (config) => new NeuralRecommender(config),
};

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
  const matrix = model.matrix;
  await mkdir(directory, { recursive: true });
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
  const create = RECOMMENDER_KINDS[saved.kind];
  if (create === undefined) {
    throw new TesseraError(
      'E_RECSYS_MODEL_FILE',
      `unknown model kind '${saved.kind}'; this version reads ${Object.keys(RECOMMENDER_KINDS).join(', ')}`,
    );
  }
  const { tensors } = await loadSafetensors(join(directory, WEIGHTS_FILE));
  const arrays: ModelArrays = {};
  try {
    for (const [name, tensor] of Object.entries(tensors)) {
      const values = tensor.dataSync();
      arrays[name] = {
        values: tensor.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
        shape: tensor.shape,
      };
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const interaction = (name: string) => {
    const array = arrays[`${INTERACTION_PREFIX}${name}`];
    if (array === undefined)
      throw new TesseraError('E_RECSYS_MODEL_FILE', `${WEIGHTS_FILE} has no '${INTERACTION_PREFIX}${name}'`);
    delete arrays[`${INTERACTION_PREFIX}${name}`];
    return array.values;
  };
  const users = IdMapping.fromJSON(saved.users);
  const items = IdMapping.fromJSON(saved.items);
  const userIndices = Int32Array.from(interaction('users'));
  const itemIndices = Int32Array.from(interaction('items'));
  const values = Float32Array.from(interaction('values'));
  for (let row = 0; row < userIndices.length; row++) {
    const user = userIndices[row] as number;
    const item = itemIndices[row] as number;
    if (user < 0 || user >= users.size || item < 0 || item >= items.size) {
      throw new TesseraError(
        'E_RECSYS_MODEL_FILE',
        `interaction ${row} refers to user ${user} / item ${item}, outside the saved id mappings`,
      );
    }
  }
  const matrix = RatingMatrix.fromIndexed(users, items, userIndices, itemIndices, values, saved.scale);
  const model = create(saved.config);
  model.restore(matrix, arrays);
  model.epochSeconds = saved.epochSeconds ?? [];
  return model;
}
