import { TesseraError, type TesseraErrorCode, tf } from '@tessera/core';
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
 * A trained recommender as tensors and back, shared by `saveRecommender` (a directory of its own)
 * and `exportRecommender` (a Tessera export): the learnt arrays plus the training interactions, so
 * `recommend` still leaves out what a user has seen after loading. Portable: no file access.
 */

/** Training interactions travel with the model under these names. */
const INTERACTION_PREFIX = 'interactions.';

/** How each recommender `kind` is rebuilt from its options. */
// biome-ignore lint/suspicious/noExplicitAny: each constructor takes its own options object.
const RECOMMENDER_KINDS: Record<string, (options: any) => Recommender> = {
  baseline: (options) => new BaselinePredictor(options),
  'biased-matrix-factorization': (options) => new BiasedMatrixFactorization(options),
  neighbourhood: (options) => new NeighbourhoodModel(options),
  'bayesian-personalized-ranking': (options) => new BayesianPersonalizedRanking(options),
  'implicit-alternating-least-squares': (options) => new ImplicitAlternatingLeastSquares(options),
  neural: (options) => new NeuralRecommender(options),
};

/** The model's arrays and its training interactions as tensors (the caller disposes them). */
export function recommenderTensors(model: Recommender): Record<string, tf.Tensor> {
  const matrix = model.matrix; // throws a clear error for an untrained model
  const arrays: ModelArrays = {
    ...model.arrays(),
    [`${INTERACTION_PREFIX}users`]: { values: matrix.userIndices, shape: [matrix.ratingCount] },
    [`${INTERACTION_PREFIX}items`]: { values: matrix.itemIndices, shape: [matrix.ratingCount] },
    [`${INTERACTION_PREFIX}values`]: { values: matrix.values, shape: [matrix.ratingCount] },
  };
  return Object.fromEntries(
    Object.entries(arrays).map(([name, array]) => [
      name,
      tf.tensor(array.values, array.shape, array.values instanceof Int32Array ? 'int32' : 'float32'),
    ]),
  );
}

export interface StoredRecommender {
  kind: string;
  options: unknown;
  users: string[];
  items: string[];
  scale: RatingScale;
  epochSeconds?: number[];
  /** What `recommenderTensors` wrote; disposed here. */
  tensors: Record<string, tf.Tensor>;
}

/**
 * Rebuilds a recommender from what `recommenderTensors` and its config stored. An unknown kind
 * throws `codes.config`, missing or inconsistent interactions `codes.weights`; messages name
 * `source` (the file or export they were read from).
 */
export function restoreRecommender(
  stored: StoredRecommender,
  codes: { config: TesseraErrorCode; weights: TesseraErrorCode },
  source: string,
): Recommender {
  const arrays: ModelArrays = {};
  try {
    for (const [name, tensor] of Object.entries(stored.tensors)) {
      const values = tensor.dataSync();
      arrays[name] = {
        values: tensor.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
        shape: tensor.shape,
      };
    }
  } finally {
    tf.dispose(Object.values(stored.tensors));
  }
  const create = RECOMMENDER_KINDS[stored.kind];
  if (create === undefined) {
    throw new TesseraError(
      codes.config,
      `unknown model kind '${stored.kind}' in ${source}; this version reads ${Object.keys(RECOMMENDER_KINDS).join(', ')}`,
    );
  }
  const interaction = (name: string) => {
    const array = arrays[`${INTERACTION_PREFIX}${name}`];
    if (array === undefined) throw new TesseraError(codes.weights, `${source} has no '${INTERACTION_PREFIX}${name}'`);
    delete arrays[`${INTERACTION_PREFIX}${name}`];
    return array.values;
  };
  const users = IdMapping.fromJSON(stored.users);
  const items = IdMapping.fromJSON(stored.items);
  const userIndices = Int32Array.from(interaction('users'));
  const itemIndices = Int32Array.from(interaction('items'));
  const values = Float32Array.from(interaction('values'));
  for (let row = 0; row < userIndices.length; row++) {
    const user = userIndices[row] as number;
    const item = itemIndices[row] as number;
    if (user < 0 || user >= users.size || item < 0 || item >= items.size) {
      throw new TesseraError(
        codes.weights,
        `interaction ${row} in ${source} refers to user ${user} / item ${item}, outside the stored id maps`,
      );
    }
  }
  const model = create(stored.options);
  model.restore(RatingMatrix.fromIndexed(users, items, userIndices, itemIndices, values, stored.scale), arrays);
  model.epochSeconds = stored.epochSeconds ?? [];
  return model;
}
