import { TesseraError } from '@tessera/core';

/**
 * A stable two-way map between the ids a data set uses (user 196, movie "242") and dense indices
 * 0 … size − 1, the rows of every factor and similarity matrix. Indices are given in order of
 * first appearance, as Surprise's inner ids, so the same ratings in the same order always map the
 * same way; `toJSON`/`fromJSON` save the mapping beside a model so `recommend('196', 10)` finds
 * the user after a reload. Ids are kept as strings: "007" and "7" are different ids.
 */
export class IdMapping {
  private readonly indexById = new Map<string, number>();
  private readonly idByIndex: string[] = [];

  /** A mapping over `ids` in order of first appearance. */
  static fromIds(ids: Iterable<string | number>): IdMapping {
    const mapping = new IdMapping();
    for (const id of ids) mapping.add(id);
    return mapping;
  }

  /** Restores a mapping saved with `toJSON` (the ids in index order). */
  static fromJSON(ids: readonly string[]): IdMapping {
    const mapping = IdMapping.fromIds(ids);
    if (mapping.size !== ids.length) {
      throw new TesseraError(
        'E_RECSYS_ID_MAPPING',
        `the saved id mapping repeats an id (${ids.length} ids, ${mapping.size} distinct)`,
      );
    }
    return mapping;
  }

  get size(): number {
    return this.idByIndex.length;
  }

  /** The index of `id`, adding it when new. */
  add(id: string | number): number {
    const key = String(id);
    const known = this.indexById.get(key);
    if (known !== undefined) return known;
    const index = this.idByIndex.length;
    this.indexById.set(key, index);
    this.idByIndex.push(key);
    return index;
  }

  has(id: string | number): boolean {
    return this.indexById.has(String(id));
  }

  /** The index of `id`, or −1 when the mapping has never seen it. */
  indexOf(id: string | number): number {
    return this.indexById.get(String(id)) ?? -1;
  }

  /** The index of `id`; a clear error when it is unknown. */
  index(id: string | number, what = 'id'): number {
    const index = this.indexById.get(String(id));
    if (index === undefined) {
      throw new TesseraError(
        'E_RECSYS_UNKNOWN_ID',
        `${what} '${id}' is not in the training data (${this.size} known, e.g. ${this.idByIndex.slice(0, 3).join(', ')})`,
        { category: 'not-found' },
      );
    }
    return index;
  }

  /** The id at `index`. */
  id(index: number): string {
    const id = this.idByIndex[index];
    if (id === undefined) {
      throw new TesseraError('E_RECSYS_INDEX', `index ${index} is outside the mapping's [0, ${this.size})`, {
        category: 'internal',
      });
    }
    return id;
  }

  ids(): readonly string[] {
    return this.idByIndex;
  }

  toJSON(): string[] {
    return [...this.idByIndex];
  }
}
