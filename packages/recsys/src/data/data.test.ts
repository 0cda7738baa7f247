import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOVIELENS_100K_DIRECTORY } from '../test-helpers.js';
import { IdMapping } from './id-mapping.js';
import { loadMovieLens100k, loadMovieLensSplit, MOVIELENS_GENRES } from './movielens.js';
import { RatingMatrix } from './rating-matrix.js';
import { createRatings, randomSplitRatings, toImplicit } from './ratings.js';
import { parseRatingsCsv, readRatingsCsv } from './ratings-csv.js';

describe('IdMapping', () => {
  it('maps ids to indices in order of first appearance, both ways, and round-trips through JSON', () => {
    const mapping = IdMapping.fromIds(['196', 186, '196', '22']);
    expect(mapping.size).toBe(3);
    expect([mapping.index('196'), mapping.index(186), mapping.index('22')]).toEqual([0, 1, 2]);
    expect(mapping.id(1)).toBe('186');
    expect(mapping.indexOf('7')).toBe(-1);
    expect(() => mapping.index('7', 'user')).toThrow(/E_RECSYS_UNKNOWN_ID: user '7'/);
    expect(() => mapping.id(3)).toThrow(/E_RECSYS_INDEX/);
    expect(IdMapping.fromJSON(mapping.toJSON()).ids()).toEqual(['196', '186', '22']);
    expect(() => IdMapping.fromJSON(['a', 'a'])).toThrow(/E_RECSYS_ID_MAPPING/);
  });
});

describe('RatingMatrix', () => {
  const ratings = createRatings([
    { userId: 'b', itemId: 'x', rating: 4 },
    { userId: 'a', itemId: 'y', rating: 2 },
    { userId: 'b', itemId: 'z', rating: 5 },
    { userId: 'a', itemId: 'x', rating: 1 },
  ]);

  it('groups ratings by user and by item in file order, with the global mean and rating scale', () => {
    const matrix = RatingMatrix.fromRatings(ratings);
    expect(matrix.users.ids()).toEqual(['b', 'a']);
    expect(matrix.items.ids()).toEqual(['x', 'y', 'z']);
    expect(Array.from(matrix.byUser.offsets)).toEqual([0, 2, 4]);
    expect(Array.from(matrix.byUser.columns)).toEqual([0, 2, 1, 0]);
    expect(Array.from(matrix.byUser.values)).toEqual([4, 5, 2, 1]);
    expect(Array.from(matrix.byItem.columns)).toEqual([0, 1, 1, 0]);
    expect(matrix.globalMean).toBe(3);
    expect(matrix.scale).toEqual({ minimum: 1, maximum: 5 });
    expect(Array.from(matrix.itemsOf(1))).toEqual([1, 0]);
  });

  it('indexes held-out ratings with −1 for unknown ids, and refuses empty data', () => {
    const matrix = RatingMatrix.fromRatings(ratings);
    const indexed = matrix.index(createRatings([{ userId: 'a', itemId: 'w', rating: 3 }]));
    expect([indexed.userIndices[0], indexed.itemIndices[0]]).toEqual([1, -1]);
    expect(() => RatingMatrix.fromRatings(createRatings([]))).toThrow(/E_RECSYS_EMPTY/);
    expect(() => RatingMatrix.fromRatings(ratings, { users: IdMapping.fromIds(['a']) })).toThrow(/user 'b'/);
  });
});

describe('explicit → implicit and splits', () => {
  it('toImplicit keeps pairs rated at least the threshold, once each, with value 1', () => {
    const ratings = createRatings([
      { userId: 1, itemId: 1, rating: 5 },
      { userId: 1, itemId: 2, rating: 2 },
      { userId: 1, itemId: 1, rating: 4 },
      { userId: 2, itemId: 1, rating: 4 },
    ]);
    const all = toImplicit(ratings);
    expect(all.userIds).toEqual(['1', '1', '2']);
    expect(Array.from(all.values)).toEqual([1, 1, 1]);
    expect(toImplicit(ratings, { threshold: 4 }).itemIds).toEqual(['1', '1']);
  });

  it('randomSplitRatings is a seeded partition of the rows', () => {
    const ratings = createRatings(
      Array.from({ length: 100 }, (_, index) => ({ userId: index % 7, itemId: index, rating: 1 })),
    );
    const { train, test } = randomSplitRatings(ratings, 0.75, 3);
    expect([train.values.length, test.values.length]).toEqual([75, 25]);
    expect(new Set([...train.itemIds, ...test.itemIds]).size).toBe(100);
    expect(randomSplitRatings(ratings, 0.75, 3).test.itemIds).toEqual(test.itemIds);
    expect(randomSplitRatings(ratings, 0.75, 4).test.itemIds).not.toEqual(test.itemIds);
    expect(() => randomSplitRatings(ratings, 1)).toThrow(/E_RECSYS_SPLIT/);
  });
});

describe('ratings CSV', () => {
  it('reads userId,movieId,rating,timestamp and itemId headers, in any column order', () => {
    const ratings = parseRatingsCsv('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n');
    expect(ratings.userIds).toEqual(['1', '1']);
    expect(ratings.itemIds).toEqual(['31', '1029']);
    expect(Array.from(ratings.values)).toEqual([2.5, 3]);
    expect(Array.from(ratings.timestamps)).toEqual([1260759144, 1260759179]);
    const reordered = parseRatingsCsv('rating,itemId,userId\r\n4,a,u\r\n');
    expect([reordered.userIds[0], reordered.itemIds[0], reordered.values[0]]).toEqual(['u', 'a', 4]);
  });

  it('says what is wrong with a bad header, row or file', async () => {
    expect(() => parseRatingsCsv('user,film,score\n1,2,3\n')).toThrow(
      /E_RECSYS_DATA_FORMAT: .*needs columns userId, movieId/,
    );
    expect(() => parseRatingsCsv('userId,movieId,rating\n1,2\n')).toThrow(/line 2: expected 3 fields/);
    expect(() => parseRatingsCsv('userId,movieId,rating\n1,2,great\n')).toThrow(/line 2: rating 'great'/);
    await expect(readRatingsCsv('/nonexistent/ratings.csv')).rejects.toThrow(/E_RECSYS_DATA_NOT_FOUND/);
    const directory = await mkdtemp(join(tmpdir(), 'recsys-csv-'));
    try {
      await writeFile(join(directory, 'ratings.csv'), 'userId,movieId,rating,timestamp\n7,8,4,0\n');
      expect((await readRatingsCsv(join(directory, 'ratings.csv'))).itemIds).toEqual(['8']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('MovieLens 100K loader (../shared/data/ml-100k)', () => {
  it('reads u.data, u.item (latin-1, 19 genre flags) and u.user as documented in its README', async () => {
    const data = await loadMovieLens100k(MOVIELENS_100K_DIRECTORY);
    expect(data.ratings.values.length).toBe(100_000);
    expect(new Set(data.ratings.userIds).size).toBe(943);
    expect(new Set(data.ratings.itemIds).size).toBe(1682);
    // The README's first line of u.data: user 196 rated item 242 with 3 at 881250949.
    expect([
      data.ratings.userIds[0],
      data.ratings.itemIds[0],
      data.ratings.values[0],
      data.ratings.timestamps[0],
    ]).toEqual(['196', '242', 3, 881250949]);
    expect(data.items).toHaveLength(1682);
    expect(data.items[0]).toMatchObject({
      id: '1',
      title: 'Toy Story (1995)',
      genres: ['Animation', "Children's", 'Comedy'],
    });
    expect(data.items[0]?.genreFlags).toHaveLength(MOVIELENS_GENRES.length);
    expect(data.items[542]?.title).toBe('Misérables, Les (1995)');
    expect(data.users).toHaveLength(943);
    expect(data.users[0]).toEqual({ id: '1', age: 24, gender: 'M', occupation: 'technician', zipCode: '85711' });
  });

  it('reads the canonical splits: u1 is 80,000/20,000 ratings, ua holds out 10 per user', async () => {
    const u1 = await loadMovieLensSplit(MOVIELENS_100K_DIRECTORY, 'u1');
    expect([u1.train.values.length, u1.test.values.length]).toEqual([80_000, 20_000]);
    const ua = await loadMovieLensSplit(MOVIELENS_100K_DIRECTORY, 'ua');
    expect(ua.test.values.length).toBe(9430);
    const perUser = new Map<string, number>();
    for (const user of ua.test.userIds) perUser.set(user, (perUser.get(user) ?? 0) + 1);
    expect(new Set(perUser.values())).toEqual(new Set([10]));
  });

  it('explains a wrong directory, a missing file and a bad split name', async () => {
    await expect(loadMovieLens100k('/nonexistent/ml-100k')).rejects.toThrow(
      /E_RECSYS_DATA_NOT_FOUND: .*not a directory/,
    );
    const directory = await mkdtemp(join(tmpdir(), 'recsys-ml-'));
    try {
      await expect(loadMovieLensSplit(directory, 'u1')).rejects.toThrow(/cannot read u1.base/);
      await writeFile(join(directory, 'u1.base'), '1\t2\t3\n');
      await writeFile(join(directory, 'u1.test'), '1\t2\t3\t4\n');
      await expect(loadMovieLensSplit(directory, 'u1')).rejects.toThrow(
        /E_RECSYS_DATA_FORMAT: u1.base line 1: expected 4/,
      );
      await expect(loadMovieLensSplit(directory, 'u9' as never)).rejects.toThrow(/E_RECSYS_SPLIT/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
