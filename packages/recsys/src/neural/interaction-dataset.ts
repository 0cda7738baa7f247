import { DataLoader, TesseraError, tf } from '@tessera/core';
import type { RatingMatrix } from '../data/rating-matrix.js';
import type { FeatureEncoder } from './feature-encoder.js';
import type { RecommendationBatch } from './recommendation-batch.js';

export interface InteractionLoaderOptions {
  /** 'rating': one example per rating, target the rating; 'implicit': observed pairs (target 1) plus sampled negatives (target 0). */
  objective: 'rating' | 'implicit';
  batchSize: number;
  /** Implicit only: unobserved items sampled per observed pair, fresh every epoch (default 4). */
  negativeSamples?: number;
  seed: number;
}

/** A 32-bit integer hash (lowbias32), so epoch e's negatives are a pure function of (seed, e, row). */
function hash(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A DataLoader over the training interactions of `matrix`, shuffled each epoch by the loader's
 * seed. For implicit feedback, example P + n·P + r (n < negativeSamples) pairs row r's user with
 * an item drawn uniformly among those the user has not interacted with; the draw depends on the
 * epoch set by `setEpoch`, so each epoch sees new negatives and a resumed run the same ones.
 */
export function createInteractionLoader(
  matrix: RatingMatrix,
  encoder: FeatureEncoder,
  options: InteractionLoaderOptions,
): { loader: DataLoader<number, RecommendationBatch>; setEpoch: (epoch: number) => void } {
  const positives = matrix.ratingCount;
  const negativeSamples = options.objective === 'implicit' ? (options.negativeSamples ?? 4) : 0;
  if (!Number.isInteger(negativeSamples) || negativeSamples < 0) {
    throw new TesseraError('E_RECSYS_OPTION', `negativeSamples must be a non-negative integer, got ${negativeSamples}`);
  }
  const seen = Array.from({ length: matrix.userCount }, (_, user) => new Set(matrix.itemsOf(user)));
  for (let user = 0; user < matrix.userCount; user++) {
    if (negativeSamples > 0 && (seen[user] as Set<number>).size >= matrix.itemCount) {
      throw new TesseraError(
        'E_RECSYS_DATA',
        `user '${matrix.users.id(user)}' interacted with every item; no negative can be sampled`,
      );
    }
  }
  let epoch = 0;
  const negativeItem = (row: number, draw: number): number => {
    const user = matrix.userIndices[row] as number;
    for (let attempt = 0; ; attempt++) {
      const item =
        hash(hash(hash(options.seed ^ (epoch * 0x9e3779b9)) ^ (row * 0x85ebca6b + draw)) ^ attempt) % matrix.itemCount;
      if (!(seen[user] as Set<number>).has(item)) return item;
    }
  };
  const collate = (examples: number[]): RecommendationBatch => {
    const users = new Int32Array(examples.length);
    const items = new Int32Array(examples.length);
    const targets = new Float32Array(examples.length);
    examples.forEach((example, position) => {
      const row = example % positives;
      users[position] = matrix.userIndices[row] as number;
      if (example < positives) {
        items[position] = matrix.itemIndices[row] as number;
        targets[position] = options.objective === 'implicit' ? 1 : (matrix.values[row] as number);
      } else {
        items[position] = negativeItem(row, Math.floor(example / positives));
        targets[position] = 0;
      }
    });
    const { featureIds, featureValues } = encoder.encode(users, items);
    return {
      userIndices: tf.tensor1d(users, 'int32'),
      itemIndices: tf.tensor1d(items, 'int32'),
      featureIds: tf.tensor2d(featureIds, [examples.length, encoder.slotCount], 'int32'),
      featureValues: tf.tensor2d(featureValues, [examples.length, encoder.slotCount], 'float32'),
      targets: tf.tensor1d(targets, 'float32'),
    };
  };
  const dataset = { length: positives * (1 + negativeSamples), get: (index: number) => index };
  const loader = new DataLoader<number, RecommendationBatch>(dataset, {
    batchSize: options.batchSize,
    shuffle: true,
    seed: options.seed,
    collate,
  });
  return {
    loader,
    setEpoch: (value) => {
      epoch = value;
    },
  };
}

/** Tensors of one batch of (user, item) pairs for scoring (targets are zeros). */
export function encodePairs(encoder: FeatureEncoder, users: Int32Array, items: Int32Array): RecommendationBatch {
  const { featureIds, featureValues } = encoder.encode(users, items);
  return {
    userIndices: tf.tensor1d(users, 'int32'),
    itemIndices: tf.tensor1d(items, 'int32'),
    featureIds: tf.tensor2d(featureIds, [users.length, encoder.slotCount], 'int32'),
    featureValues: tf.tensor2d(featureValues, [users.length, encoder.slotCount], 'float32'),
    targets: tf.zeros([users.length]),
  };
}
