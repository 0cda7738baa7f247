import { createRandomGenerator, TesseraError } from '@tessera/core';

/**
 * Ratings as a file holds them: parallel columns, one row per (user, item, rating, time). Ids stay
 * the data set's own strings; `RatingMatrix.fromRatings` maps them to dense indices for training.
 */
export interface Ratings {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly values: Float32Array; // [rows] the rating (1 for an implicit interaction)
  readonly timestamps: Float64Array; // [rows] seconds since the epoch (0 when unknown)
}

/** Ratings from row objects, e.g. `[{ userId: 1, itemId: 'a', rating: 4 }]`. */
export function createRatings(
  rows: ReadonlyArray<{ userId: string | number; itemId: string | number; rating: number; timestamp?: number }>,
): Ratings {
  const values = new Float32Array(rows.length);
  const timestamps = new Float64Array(rows.length);
  rows.forEach((row, index) => {
    if (!Number.isFinite(row.rating)) {
      throw new TesseraError(
        'E_RECSYS_RATING',
        `row ${index} has rating ${row.rating}; ratings must be finite numbers`,
      );
    }
    values[index] = row.rating;
    timestamps[index] = row.timestamp ?? 0;
  });
  return {
    userIds: rows.map((row) => String(row.userId)),
    itemIds: rows.map((row) => String(row.itemId)),
    values,
    timestamps,
  };
}

/** The rows at `indices`, in that order. */
export function selectRatings(ratings: Ratings, indices: ArrayLike<number>): Ratings {
  const count = indices.length;
  const userIds: string[] = new Array(count);
  const itemIds: string[] = new Array(count);
  const values = new Float32Array(count);
  const timestamps = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    const source = indices[row] as number;
    userIds[row] = ratings.userIds[source] as string;
    itemIds[row] = ratings.itemIds[source] as string;
    values[row] = ratings.values[source] as number;
    timestamps[row] = ratings.timestamps[source] as number;
  }
  return { userIds, itemIds, values, timestamps };
}

/** Ratings from several sources, one after another. */
export function concatRatings(parts: readonly Ratings[]): Ratings {
  const values = new Float32Array(parts.reduce((total, part) => total + part.values.length, 0));
  const timestamps = new Float64Array(values.length);
  let offset = 0;
  for (const part of parts) {
    values.set(part.values, offset);
    timestamps.set(part.timestamps, offset);
    offset += part.values.length;
  }
  return {
    userIds: parts.flatMap((part) => part.userIds),
    itemIds: parts.flatMap((part) => part.itemIds),
    values,
    timestamps,
  };
}

/**
 * A seeded random train/test split of the rows (microsoft/recommenders' `python_random_split`):
 * `trainFraction` of the rows, chosen uniformly, train; the rest test. Rows keep their order.
 */
export function randomSplitRatings(
  ratings: Ratings,
  trainFraction: number,
  seed = 42,
): { train: Ratings; test: Ratings } {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new TesseraError('E_RECSYS_SPLIT', `trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  const count = ratings.values.length;
  const order = createRandomGenerator(seed).permutation(count);
  const trainCount = Math.round(count * trainFraction);
  const isTrain = new Uint8Array(count);
  for (let position = 0; position < trainCount; position++) isTrain[order[position] as number] = 1;
  const train: number[] = [];
  const test: number[] = [];
  for (let row = 0; row < count; row++) (isTrain[row] === 1 ? train : test).push(row);
  return { train: selectRatings(ratings, train), test: selectRatings(ratings, test) };
}

/**
 * Explicit ratings → implicit interactions: every (user, item) pair rated at least `threshold`
 * (default: any rating) becomes one interaction of value 1; repeated pairs collapse to one,
 * keeping the first occurrence's timestamp.
 */
export function toImplicit(ratings: Ratings, options: { threshold?: number } = {}): Ratings {
  const threshold = options.threshold ?? Number.NEGATIVE_INFINITY;
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let row = 0; row < ratings.values.length; row++) {
    if ((ratings.values[row] as number) < threshold) continue;
    const key = `${ratings.userIds[row]}\u0000${ratings.itemIds[row]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(row);
  }
  const selected = selectRatings(ratings, kept);
  selected.values.fill(1);
  return selected;
}
