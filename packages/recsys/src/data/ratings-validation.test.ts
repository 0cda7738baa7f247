import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMovieLens100k, loadMovieLensSplit } from './movielens.js';
import { RatingMatrix } from './rating-matrix.js';
import { parseRatingsCsv, readRatingsCsv } from './ratings-csv.js';

const MOVIELENS = 'userId,movieId,rating,timestamp';
const GENERIC = 'userId,itemId,rating';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'recsys-validation-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('ratings CSV validation', () => {
  it('refuses an empty rating or timestamp with the file and line, instead of reading 0', () => {
    expect(() => parseRatingsCsv(`${MOVIELENS}\n1,2,4,10\n1,3,,11\n`, 'ratings.csv')).toThrow(
      /^E_RECSYS_DATA_FORMAT: ratings\.csv line 3: the rating is empty$/,
    );
    expect(() => parseRatingsCsv(`${MOVIELENS}\n1,2,4,10\n\n1,3, ,11\n`, 'ratings.csv')).toThrow(
      /ratings\.csv line 4: the rating is empty/,
    );
    expect(() => parseRatingsCsv(`${MOVIELENS}\n1,2,4,\n`, 'ratings.csv')).toThrow(
      /ratings\.csv line 2: the timestamp is empty/,
    );
  });

  it('refuses empty, whitespace and quoted-empty user and item ids', () => {
    for (const [line, what] of [
      [',2,4', 'user'],
      ['  ,2,4', 'user'],
      ['"",2,4', 'user'],
      ['1, ,4', 'item'],
      ['1,"  ",4', 'item'],
    ] as const) {
      expect(() => parseRatingsCsv(`${GENERIC}\n1,9,3\n${line}\n`, 'r.csv'), line).toThrow(
        new RegExp(`^E_RECSYS_DATA_FORMAT: r\\.csv line 3: the ${what} id is empty`),
      );
    }
    expect(() => parseRatingsCsv(`${GENERIC}\n1\u0000,9,3\n`)).toThrow(/control character/);
  });

  it("holds a MovieLens file to MovieLens's 0.5–5 scale, and any file to a declared one", () => {
    for (const rating of ['-5', '6', '1e30', '0']) {
      expect(() => parseRatingsCsv(`${MOVIELENS}\n1,2,${rating},0\n`, 'ml.csv'), rating).toThrow(
        new RegExp(`^E_RECSYS_RATING: ml\\.csv line 2: rating ${rating} is outside MovieLens's scale .*\\[0\\.5, 5\\]`),
      );
    }
    const movieLens = parseRatingsCsv(`${MOVIELENS}\n1,2,0.5,0\n1,3,5.0,0\n`);
    expect([movieLens.scale, movieLens.scaleSource]).toEqual([{ minimum: 0.5, maximum: 5 }, 'movielens']);
    const declared = parseRatingsCsv(`${MOVIELENS}\n1,2,8,0\n`, 'x', { scale: { minimum: 1, maximum: 10 } });
    expect([Array.from(declared.values), declared.scaleSource]).toEqual([[8], 'declared']);
    expect(() => parseRatingsCsv(`${GENERIC}\n1,2,0\n`, 'x', { scale: { minimum: 1, maximum: 5 } })).toThrow(
      /^E_RECSYS_RATING: x line 2: rating 0 is outside the declared scale \[1, 5\]/,
    );
    expect(() => parseRatingsCsv(`${GENERIC}\n1,2,3\n`, 'x', { scale: { minimum: 5, maximum: 1 } })).toThrow(
      /^E_RECSYS_RATING: a rating scale needs finite minimum ≤ maximum/,
    );
  });

  it('without a declared scale, refuses non-finite and absurd ratings and reports the range it found', () => {
    for (const rating of ['NaN', 'Infinity', '-Infinity', '1e400', '0x10', '1e30']) {
      expect(() => parseRatingsCsv(`${GENERIC}\n1,2,${rating}\n`, 'g.csv'), rating).toThrow(
        /^E_RECSYS_(DATA_FORMAT|RATING): g\.csv line 2: rating /,
      );
    }
    const ratings = parseRatingsCsv(`${GENERIC}\n1,2,-5\n1,3,6\n2,2,"2.5"\n`);
    expect(Array.from(ratings.values)).toEqual([-5, 6, 2.5]);
    expect([ratings.scale, ratings.scaleSource]).toEqual([{ minimum: -5, maximum: 6 }, 'data']);
    expect(RatingMatrix.fromRatings(ratings, { scale: ratings.scale }).scale).toEqual({ minimum: -5, maximum: 6 });
  });

  it('refuses a header with no ratings after it, and a file that is not UTF-8', async () => {
    for (const text of [MOVIELENS, `${MOVIELENS}\n`, `${MOVIELENS}\r\n\r\n  \n`]) {
      expect(() => parseRatingsCsv(text, 'h.csv')).toThrow(/^E_RECSYS_EMPTY: h\.csv has a header but no ratings/);
    }
    const latin1 = join(directory, 'latin1.csv');
    await writeFile(latin1, Buffer.from(`${GENERIC}\nJos\xe9,2,3\n`, 'latin1'));
    await expect(readRatingsCsv(latin1)).rejects.toThrow(/^E_RECSYS_DATA_FORMAT: .*latin1\.csv is not UTF-8 text/);
    const utf8 = join(directory, 'utf8.csv');
    await writeFile(utf8, `\ufeff${GENERIC}\nJosé,2,3\n`);
    expect((await readRatingsCsv(utf8)).userIds).toEqual(['José']);
  });
});

describe('MovieLens 100K validation', () => {
  const item =
    '1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0';
  const user = '1|24|M|technician|85711';

  async function movieLensFolder(name: string, files: { data: string; item?: string; user?: string }) {
    const folder = join(directory, name);
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder);
    await writeFile(join(folder, 'u.data'), files.data);
    await writeFile(join(folder, 'u.item'), files.item ?? `${item}\n`);
    await writeFile(join(folder, 'u.user'), files.user ?? `${user}\n`);
    return folder;
  }

  it('refuses an empty u.data', async () => {
    for (const [index, data] of ['', '\n\n', '  \n'].entries()) {
      const folder = await movieLensFolder(`empty-${index}`, { data });
      await expect(loadMovieLens100k(folder)).rejects.toThrow(/^E_RECSYS_EMPTY: u\.data in .* holds no ratings/);
    }
  });

  it('refuses corrupted lines of u.data with the file and line (blank lines counted)', async () => {
    const good = '196\t242\t3\t881250949\n186\t302\t3\t891717742\n\n';
    const cases: [string, RegExp][] = [
      ['22\t377\t\t878887116', /u\.data line 4: the rating is empty/],
      [
        '22\t377\t6\t878887116',
        /^E_RECSYS_RATING: u\.data line 4: rating 6 is outside MovieLens 100K's scale \[1, 5\]/,
      ],
      ['22\t377\t0\t878887116', /u\.data line 4: rating 0 is outside/],
      ['22\t377\t3.5\t878887116', /u\.data line 4: rating 3.5 is not a whole star/],
      ['2r\t377\t1\t878887116', /u\.data line 4: the user id '2r' is not a number/],
      ['22\t \t1\t878887116', /u\.data line 4: the item id is empty/],
      ['22\t377\t1\t', /u\.data line 4: the timestamp is empty/],
      ['22\t377\t1\t8788871.5', /u\.data line 4: timestamp 8788871.5 is not whole seconds/],
      ['22\t377 1\t878887116', /u\.data line 4: expected 4 tab-separated fields, found 3/],
    ];
    for (const [index, [line, pattern]] of cases.entries()) {
      const folder = await movieLensFolder(`corrupt-${index}`, { data: `${good}${line}\n` });
      await expect(loadMovieLens100k(folder), line).rejects.toThrow(pattern);
    }
    const folder = await movieLensFolder('good', { data: good });
    expect((await loadMovieLens100k(folder)).ratings.userIds).toEqual(['196', '186']);
  });

  it('refuses genre flags other than 0 and 1, and an empty age', async () => {
    const data = '1\t1\t3\t881250949\n';
    const badFlag = item.replace(/\|0$/, '|7');
    await expect(loadMovieLens100k(await movieLensFolder('flag', { data, item: `${badFlag}\n` }))).rejects.toThrow(
      /^E_RECSYS_DATA_FORMAT: u\.item line 1: genre flag Western is '7', not 0 or 1/,
    );
    await expect(
      loadMovieLens100k(await movieLensFolder('age', { data, user: '1||M|technician|85711\n' })),
    ).rejects.toThrow(/^E_RECSYS_DATA_FORMAT: u\.user line 1: the age is empty/);
  });

  it('refuses an empty split file', async () => {
    const folder = await movieLensFolder('split', { data: '1\t1\t3\t881250949\n' });
    await writeFile(join(folder, 'u1.base'), '1\t1\t3\t881250949\n');
    await writeFile(join(folder, 'u1.test'), '');
    await expect(loadMovieLensSplit(folder, 'u1')).rejects.toThrow(/^E_RECSYS_EMPTY: u1\.test in .* holds no ratings/);
  });
});
