import { TesseraError } from '@tessera/core';
import type { MovieLensItem, MovieLensUser } from '../data/movielens.js';
import type { RatingMatrix } from '../data/rating-matrix.js';

/** Categorical side information by id: a value per field, or a list for a multi-valued field (genres). */
export type SideFeatures = Record<string, Record<string, string | readonly string[]>>;

/** One field of the feature layout: its slots hold global feature ids offset by `offset`. */
export interface FeatureField {
  name: string;
  /** Whose attribute it is: the user's, the item's ('user' and 'item' fields are the ids themselves). */
  owner: 'user' | 'item';
  /** Distinct values; local id 0 is "unknown" (a value never seen in training, or a missing attribute). */
  vocabulary: string[];
  /** Global id of the field's local id 0. */
  offset: number;
  /** Slots per example: 1, or the most values any id has for a multi-valued field. */
  slots: number;
}

export interface EncodedFeatures {
  featureIds: Int32Array; // [rows, slots] global feature ids
  featureValues: Float32Array; // [rows, slots] 1 for a one-hot field, 1/n over n values of a multi-valued field, 0 in padding
}

export interface FeatureEncoderJSON {
  fields: FeatureField[];
  userSlots: { ids: number[]; values: number[] };
  itemSlots: { ids: number[]; values: number[] };
}

/**
 * Turns (user, item) pairs into the sparse "one feature per slot" rows factorization machines
 * read: the user id, the item id, then every side field (age group, gender, occupation, genres…),
 * each mapped into one global feature-id space. A multi-valued field spreads weight 1/n over its n
 * values, so its pooled embedding is their mean. The user's and the item's slots are precomputed,
 * so encoding a batch is two copies per row.
 */
export class FeatureEncoder {
  readonly slotCount: number;
  readonly featureCount: number;
  private readonly userSlotCount: number;

  private constructor(
    readonly fields: FeatureField[],
    private readonly userSlots: { ids: Int32Array; values: Float32Array }, // [users, userSlotCount]
    private readonly itemSlots: { ids: Int32Array; values: Float32Array }, // [items, itemSlotCount]
  ) {
    this.userSlotCount = fields
      .filter((field) => field.owner === 'user')
      .reduce((total, field) => total + field.slots, 0);
    this.slotCount = fields.reduce((total, field) => total + field.slots, 0);
    const last = fields[fields.length - 1] as FeatureField;
    this.featureCount = last.offset + last.vocabulary.length;
  }

  /**
   * An encoder for the users and items of `matrix` with optional side features. Field order: user,
   * the user's side fields (sorted by name), item, the item's side fields.
   */
  static create(matrix: RatingMatrix, side: { users?: SideFeatures; items?: SideFeatures } = {}): FeatureEncoder {
    const fields: FeatureField[] = [];
    let offset = 0;
    const addField = (name: string, owner: 'user' | 'item', vocabulary: string[], slots: number) => {
      fields.push({ name, owner, vocabulary, offset, slots });
      offset += vocabulary.length;
    };
    const build = (owner: 'user' | 'item', ids: readonly string[], features: SideFeatures | undefined) => {
      addField(owner, owner, ['<unknown>', ...ids], 1);
      const names = new Set<string>();
      for (const id of ids) for (const name of Object.keys(features?.[id] ?? {})) names.add(name);
      for (const name of [...names].sort()) {
        if (name === 'user' || name === 'item') {
          throw new TesseraError('E_RECSYS_FEATURES', `side feature name '${name}' is reserved for the id field`);
        }
        const vocabulary = new Set<string>();
        let slots = 1;
        for (const id of ids) {
          const value = features?.[id]?.[name];
          const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
          slots = Math.max(slots, values.length);
          for (const entry of values) vocabulary.add(entry);
        }
        addField(name, owner, ['<unknown>', ...[...vocabulary].sort()], slots);
      }
    };
    build('user', matrix.users.ids(), side.users);
    build('item', matrix.items.ids(), side.items);
    const fill = (owner: 'user' | 'item', ids: readonly string[], features: SideFeatures | undefined) => {
      const owned = fields.filter((field) => field.owner === owner);
      const width = owned.reduce((total, field) => total + field.slots, 0);
      const slotIds = new Int32Array(ids.length * width);
      const slotValues = new Float32Array(ids.length * width);
      ids.forEach((id, row) => {
        let slot = row * width;
        for (const field of owned) {
          const lookup = new Map(field.vocabulary.map((value, local) => [value, local]));
          const value = field.name === owner ? id : features?.[id]?.[field.name];
          const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
          for (let position = 0; position < field.slots; position++) {
            const entry = values[position];
            slotIds[slot] = field.offset + (entry === undefined ? 0 : (lookup.get(entry) ?? 0));
            // A missing single value is the field's "unknown" feature; padding of a list weighs 0.
            slotValues[slot] =
              values.length === 0 ? (position === 0 ? 1 : 0) : entry === undefined ? 0 : 1 / values.length;
            slot += 1;
          }
        }
      });
      return { ids: slotIds, values: slotValues };
    };
    return new FeatureEncoder(
      fields,
      fill('user', matrix.users.ids(), side.users),
      fill('item', matrix.items.ids(), side.items),
    );
  }

  static fromJSON(json: FeatureEncoderJSON): FeatureEncoder {
    return new FeatureEncoder(
      json.fields,
      { ids: Int32Array.from(json.userSlots.ids), values: Float32Array.from(json.userSlots.values) },
      { ids: Int32Array.from(json.itemSlots.ids), values: Float32Array.from(json.itemSlots.values) },
    );
  }

  toJSON(): FeatureEncoderJSON {
    return {
      fields: this.fields,
      userSlots: { ids: [...this.userSlots.ids], values: [...this.userSlots.values] },
      itemSlots: { ids: [...this.itemSlots.ids], values: [...this.itemSlots.values] },
    };
  }

  /** Rows of features for the pairs (users[r], items[r]) given as matrix indices. */
  encode(users: ArrayLike<number>, items: ArrayLike<number>): EncodedFeatures {
    const rows = users.length;
    const width = this.slotCount;
    const userWidth = this.userSlotCount;
    const itemWidth = width - userWidth;
    const featureIds = new Int32Array(rows * width);
    const featureValues = new Float32Array(rows * width);
    for (let row = 0; row < rows; row++) {
      const user = users[row] as number;
      const item = items[row] as number;
      featureIds.set(this.userSlots.ids.subarray(user * userWidth, (user + 1) * userWidth), row * width);
      featureValues.set(this.userSlots.values.subarray(user * userWidth, (user + 1) * userWidth), row * width);
      featureIds.set(this.itemSlots.ids.subarray(item * itemWidth, (item + 1) * itemWidth), row * width + userWidth);
      featureValues.set(
        this.itemSlots.values.subarray(item * itemWidth, (item + 1) * itemWidth),
        row * width + userWidth,
      );
    }
    return { featureIds, featureValues };
  }

  /** The slot range [start, end) of each field, in layout order (users' fields first). */
  fieldSlots(): Array<{ name: string; start: number; end: number }> {
    const ordered = [
      ...this.fields.filter((field) => field.owner === 'user'),
      ...this.fields.filter((field) => field.owner === 'item'),
    ];
    let start = 0;
    return ordered.map((field) => {
      const range = { name: field.name, start, end: start + field.slots };
      start += field.slots;
      return range;
    });
  }
}

/** MovieLens age groups (as MovieLens 1M's): under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+. */
export function movieLensAgeGroup(age: number): string {
  if (age < 18) return 'under-18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 50) return '45-49';
  if (age < 56) return '50-55';
  return '56+';
}

/** Side features of MovieLens 100K for DeepFM / Wide & Deep: age group, gender, occupation; genres. */
export function movieLensSideFeatures(data: { users: readonly MovieLensUser[]; items: readonly MovieLensItem[] }): {
  users: SideFeatures;
  items: SideFeatures;
} {
  const users: SideFeatures = {};
  for (const user of data.users) {
    users[user.id] = { age: movieLensAgeGroup(user.age), gender: user.gender, occupation: user.occupation };
  }
  const items: SideFeatures = {};
  for (const item of data.items) items[item.id] = { genres: item.genres };
  return { users, items };
}
