import { TesseraError } from '@tessera/core';
import { IdMapping } from './id-mapping.js';
import type { Ratings } from './ratings.js';

/** Rows of one user (or one item) in compressed sparse form. */
export interface SparseRows {
  readonly offsets: Int32Array; // [rows + 1]: row r holds entries offsets[r] … offsets[r + 1] − 1
  readonly columns: Int32Array; // [entries] item (or user) indices
  readonly values: Float32Array; // [entries] ratings
}

/** Ratings of data the model never saw, as indices into a training matrix (−1: unknown id). */
export interface IndexedRatings {
  readonly userIndices: Int32Array;
  readonly itemIndices: Int32Array;
  readonly values: Float32Array;
}

export interface RatingScale {
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * Training ratings indexed for the algorithms: users and items mapped to dense indices, the
 * ratings grouped by user (`byUser`, the order Surprise's SGD visits them: users in order of first
 * appearance, each user's ratings in file order) and by item (`byItem`), the global mean and the
 * rating scale predictions are clipped to. Built once and shared by every model trained on it.
 */
export class RatingMatrix {
  readonly byUser: SparseRows;
  readonly byItem: SparseRows;
  readonly globalMean: number;

  private constructor(
    readonly users: IdMapping,
    readonly items: IdMapping,
    readonly userIndices: Int32Array, // [ratings]
    readonly itemIndices: Int32Array, // [ratings]
    readonly values: Float32Array, // [ratings]
    readonly scale: RatingScale,
  ) {
    this.byUser = groupRows(userIndices, itemIndices, values, users.size);
    this.byItem = groupRows(itemIndices, userIndices, values, items.size);
    let sum = 0;
    for (const value of values) sum += value;
    this.globalMean = values.length > 0 ? sum / values.length : 0;
  }

  /**
   * Indexes `ratings`. Users and items get indices in order of first appearance unless mappings are
   * given (e.g. to keep a catalogue's full item list); then every id must be in them.
   */
  static fromRatings(
    ratings: Ratings,
    options: { users?: IdMapping; items?: IdMapping; scale?: RatingScale } = {},
  ): RatingMatrix {
    const count = ratings.values.length;
    if (count === 0) throw new TesseraError('E_RECSYS_EMPTY', 'there are no ratings to train on');
    const users = options.users ?? new IdMapping();
    const items = options.items ?? new IdMapping();
    const userIndices = new Int32Array(count);
    const itemIndices = new Int32Array(count);
    for (let row = 0; row < count; row++) {
      userIndices[row] =
        options.users === undefined
          ? users.add(ratings.userIds[row] as string)
          : users.index(ratings.userIds[row] as string, 'user');
      itemIndices[row] =
        options.items === undefined
          ? items.add(ratings.itemIds[row] as string)
          : items.index(ratings.itemIds[row] as string, 'item');
    }
    let minimum = Number.POSITIVE_INFINITY;
    let maximum = Number.NEGATIVE_INFINITY;
    for (const value of ratings.values) {
      if (value < minimum) minimum = value;
      if (value > maximum) maximum = value;
    }
    const scale = options.scale ?? { minimum, maximum };
    if (!(scale.minimum <= scale.maximum)) {
      throw new TesseraError('E_RECSYS_RATING', `rating scale [${scale.minimum}, ${scale.maximum}] is empty`);
    }
    return new RatingMatrix(users, items, userIndices, itemIndices, Float32Array.from(ratings.values), scale);
  }

  /** Rebuilds a matrix from saved parts (see persistence). */
  static fromIndexed(
    users: IdMapping,
    items: IdMapping,
    userIndices: Int32Array,
    itemIndices: Int32Array,
    values: Float32Array,
    scale: RatingScale,
  ): RatingMatrix {
    return new RatingMatrix(users, items, userIndices, itemIndices, values, scale);
  }

  get userCount(): number {
    return this.users.size;
  }

  get itemCount(): number {
    return this.items.size;
  }

  get ratingCount(): number {
    return this.values.length;
  }

  /** Maps held-out ratings onto this matrix's indices; ids it has never seen become −1. */
  index(ratings: Ratings): IndexedRatings {
    const count = ratings.values.length;
    const userIndices = new Int32Array(count);
    const itemIndices = new Int32Array(count);
    for (let row = 0; row < count; row++) {
      userIndices[row] = this.users.indexOf(ratings.userIds[row] as string);
      itemIndices[row] = this.items.indexOf(ratings.itemIds[row] as string);
    }
    return { userIndices, itemIndices, values: Float32Array.from(ratings.values) };
  }

  /** The items `user` rated, as a set of indices (to exclude them from recommendations). */
  itemsOf(user: number): Int32Array {
    return this.byUser.columns.subarray(this.byUser.offsets[user], this.byUser.offsets[user + 1]);
  }

  /** Clips a prediction to the rating scale, as Surprise does. */
  clip(value: number): number {
    return value < this.scale.minimum ? this.scale.minimum : value > this.scale.maximum ? this.scale.maximum : value;
  }
}

/** Groups (row, column, value) triples by row, keeping their order within a row (a stable counting sort). */
function groupRows(rows: Int32Array, columns: Int32Array, values: Float32Array, rowCount: number): SparseRows {
  const offsets = new Int32Array(rowCount + 1);
  for (const row of rows) offsets[row + 1] = (offsets[row + 1] as number) + 1;
  for (let row = 0; row < rowCount; row++) offsets[row + 1] = (offsets[row + 1] as number) + (offsets[row] as number);
  const next = offsets.slice(0, rowCount);
  const groupedColumns = new Int32Array(rows.length);
  const groupedValues = new Float32Array(rows.length);
  for (let entry = 0; entry < rows.length; entry++) {
    const row = rows[entry] as number;
    const position = next[row] as number;
    next[row] = position + 1;
    groupedColumns[position] = columns[entry] as number;
    groupedValues[position] = values[entry] as number;
  }
  return { offsets, columns: groupedColumns, values: groupedValues };
}
