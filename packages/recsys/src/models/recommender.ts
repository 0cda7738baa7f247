import { TesseraError } from '@tessera/core';
import type { RatingMatrix } from '../data/rating-matrix.js';

/** One recommended (or similar) item with the model's score for it. */
export interface ScoredItem {
  itemId: string;
  score: number;
}

/** What a model reports after each training epoch. */
export interface EpochReport {
  epoch: number;
  /** Wall time of the epoch. */
  seconds: number;
  /** The training objective after the epoch, when the model computes one cheaply. */
  loss?: number;
}

export interface FitOptions {
  /** Called after every epoch (progress, logging, early stopping by throwing). */
  onEpochEnd?: (report: EpochReport) => void;
}

/** Arrays a model saves: name → values and shape (float32 or int32). */
export type ModelArrays = Record<string, { values: Float32Array | Int32Array; shape: number[] }>;

/**
 * What every Tessera recommender offers once trained on a `RatingMatrix`: rating (or score)
 * prediction by id, top-N recommendation that leaves out what the user already rated, and
 * similar items. Subclasses implement the index-level `predictIndex` and `scoreItems`; the id
 * mapping, exclusion of seen items and sorting live here once.
 */
export abstract class Recommender {
  /** Registered name used when saving (`'biased-matrix-factorization'`, …). */
  abstract readonly kind: string;
  /** Seconds each training epoch took (one entry for models trained in closed form). */
  epochSeconds: number[] = [];
  protected trainedOn: RatingMatrix | undefined;

  /** The training data: id mappings, the rating scale and the items each user has seen. */
  get matrix(): RatingMatrix {
    if (this.trainedOn === undefined) {
      throw new TesseraError(
        'E_RECSYS_NOT_FITTED',
        `${this.constructor.name} is not trained yet; call fit(matrix) first`,
      );
    }
    return this.trainedOn;
  }

  /** The options the model was built with, saved as JSON beside its arrays. */
  abstract config(): Record<string, unknown>;

  /** The learnt arrays, saved as safetensors. */
  abstract arrays(): ModelArrays;

  /** Restores learnt arrays saved by `arrays()` for a model trained on `matrix`. */
  abstract restore(matrix: RatingMatrix, arrays: ModelArrays): void;

  /** The model's estimate for user and item indices; −1 marks an id unseen in training. */
  abstract predictIndex(user: number, item: number): number;

  /** A score for every item (higher is better) for a known user: ratings or ranking scores. */
  scoreItems(user: number): Float32Array {
    const scores = new Float32Array(this.matrix.itemCount);
    for (let item = 0; item < scores.length; item++) scores[item] = this.predictIndex(user, item);
    return scores;
  }

  /** The predicted rating (or score) of `itemId` by `userId`; unknown ids fall back as the model defines. */
  predict(userId: string | number, itemId: string | number): number {
    return this.predictIndex(this.matrix.users.indexOf(userId), this.matrix.items.indexOf(itemId));
  }

  /** Predictions for held-out ratings given as indices (see RatingMatrix.index). */
  predictMany(userIndices: Int32Array, itemIndices: Int32Array): Float32Array {
    const predictions = new Float32Array(userIndices.length);
    for (let row = 0; row < predictions.length; row++) {
      predictions[row] = this.predictIndex(userIndices[row] as number, itemIndices[row] as number);
    }
    return predictions;
  }

  /**
   * The `k` best-scored items for `userId` that the user has not rated in the training data
   * (`excludeSeen: false` keeps them), best first; ties go to the lower item index.
   */
  recommend(userId: string | number, k: number, options: { excludeSeen?: boolean } = {}): ScoredItem[] {
    checkK(k);
    const user = this.matrix.users.index(userId, 'user');
    const scores = this.scoreItems(user);
    if (options.excludeSeen !== false)
      for (const item of this.matrix.itemsOf(user)) scores[item] = Number.NEGATIVE_INFINITY;
    return topK(scores, k)
      .filter((item) => scores[item] !== Number.NEGATIVE_INFINITY)
      .map((item) => ({ itemId: this.matrix.items.id(item), score: scores[item] as number }));
  }

  /**
   * Similarity of every item to `item` (the item itself included). The default is the cosine of
   * the items' rating columns; models with item vectors or an item–item similarity use theirs.
   */
  itemSimilarities(item: number): Float32Array {
    return ratingColumnCosine(this.matrix, item);
  }

  /** The `k` items most similar to `itemId`, most similar first, the item itself left out. */
  similarItems(itemId: string | number, k: number): ScoredItem[] {
    checkK(k);
    const item = this.matrix.items.index(itemId, 'item');
    const similarities = this.itemSimilarities(item);
    similarities[item] = Number.NEGATIVE_INFINITY;
    return topK(similarities, k)
      .filter((other) => similarities[other] !== Number.NEGATIVE_INFINITY)
      .map((other) => ({ itemId: this.matrix.items.id(other), score: similarities[other] as number }));
  }
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k <= 0) {
    throw new TesseraError('E_RECSYS_K', `k must be a positive integer, got ${k}`);
  }
}

/** Indices of the k largest scores, largest first; ties keep the lower index first. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const count = Math.min(k, scores.length);
  // A small sorted buffer beats sorting the whole catalogue for k ≪ items.
  const best: number[] = [];
  for (let index = 0; index < scores.length; index++) {
    const score = scores[index] as number;
    if (Number.isNaN(score)) continue;
    if (best.length === count && score <= (scores[best[count - 1] as number] as number)) continue;
    let position = best.length;
    while (position > 0 && (scores[best[position - 1] as number] as number) < score) position--;
    best.splice(position, 0, index);
    if (best.length > count) best.pop();
  }
  return best;
}

/** Cosine between item columns of the rating matrix. */
function ratingColumnCosine(matrix: RatingMatrix, item: number): Float32Array {
  const { byItem, byUser } = matrix;
  const dot = new Float64Array(matrix.itemCount);
  const norms = new Float64Array(matrix.itemCount);
  for (let entry = 0; entry < byUser.values.length; entry++) {
    const value = byUser.values[entry] as number;
    norms[byUser.columns[entry] as number] += value * value;
  }
  for (let entry = byItem.offsets[item] as number; entry < (byItem.offsets[item + 1] as number); entry++) {
    const user = byItem.columns[entry] as number;
    const rating = byItem.values[entry] as number;
    for (let other = byUser.offsets[user] as number; other < (byUser.offsets[user + 1] as number); other++) {
      dot[byUser.columns[other] as number] += rating * (byUser.values[other] as number);
    }
  }
  const similarities = new Float32Array(matrix.itemCount);
  const own = Math.sqrt(norms[item] as number);
  for (let other = 0; other < similarities.length; other++) {
    const denominator = own * Math.sqrt(norms[other] as number);
    similarities[other] = denominator > 0 ? (dot[other] as number) / denominator : 0;
  }
  return similarities;
}

/** Cosine similarity of row `row` of a [rows, dimension] factor matrix with every row. */
export function factorCosine(factors: Float32Array | Float64Array, dimension: number, row: number): Float32Array {
  const rows = factors.length / dimension;
  const similarities = new Float32Array(rows);
  const base = row * dimension;
  let ownNorm = 0;
  for (let f = 0; f < dimension; f++) ownNorm += (factors[base + f] as number) ** 2;
  for (let other = 0; other < rows; other++) {
    let dot = 0;
    let norm = 0;
    const offset = other * dimension;
    for (let f = 0; f < dimension; f++) {
      const value = factors[offset + f] as number;
      dot += (factors[base + f] as number) * value;
      norm += value * value;
    }
    const denominator = Math.sqrt(ownNorm * norm);
    similarities[other] = denominator > 0 ? dot / denominator : 0;
  }
  return similarities;
}

/** A saved array by name, checked to hold `size` values; a clear error otherwise. */
export function requireArray(arrays: ModelArrays, name: string, size: number): Float32Array | Int32Array {
  const array = arrays[name];
  if (array === undefined || array.values.length !== size) {
    throw new TesseraError(
      'E_RECSYS_MODEL_FILE',
      `the saved model has ${array === undefined ? `no '${name}' array` : `'${name}' with ${array.values.length} values`}, expected ${size}; was it saved by a different model or data set?`,
    );
  }
  return array.values;
}
