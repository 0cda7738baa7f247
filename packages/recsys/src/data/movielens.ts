import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import type { Ratings } from './ratings.js';

/** MovieLens 100K's 19 genres, in the order of u.item's flags (and of u.genre). */
export const MOVIELENS_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const;

/** The canonical splits shipped with MovieLens 100K: five 80/20 folds and two 10-per-user hold-outs. */
export type MovieLensSplit = 'u1' | 'u2' | 'u3' | 'u4' | 'u5' | 'ua' | 'ub';
export const MOVIELENS_SPLITS: readonly MovieLensSplit[] = ['u1', 'u2', 'u3', 'u4', 'u5', 'ua', 'ub'];

export interface MovieLensItem {
  id: string;
  title: string;
  releaseDate: string;
  videoReleaseDate: string;
  url: string;
  /** The 19 genre flags, 0 or 1, in MOVIELENS_GENRES order. */
  genreFlags: Uint8Array;
  /** The names of the genres flagged. */
  genres: string[];
}

export interface MovieLensUser {
  id: string;
  age: number;
  gender: string;
  occupation: string;
  zipCode: string;
}

export interface MovieLens100k {
  /** All 100,000 ratings of u.data, in file order. */
  ratings: Ratings;
  items: MovieLensItem[];
  users: MovieLensUser[];
}

/**
 * Reads MovieLens 100K from `directory` (the unpacked `ml-100k` folder: u.data, u.item, u.user).
 * Its licence forbids redistribution, so Tessera ships no copy: download it from GroupLens and
 * pass its path. u.item is latin-1 text with `|`-separated fields.
 */
export async function loadMovieLens100k(directory: string): Promise<MovieLens100k> {
  const [ratings, items, users] = await Promise.all([
    readRatingsFile(directory, 'u.data'),
    readMovieLensItems(directory),
    readMovieLensUsers(directory),
  ]);
  return { ratings, items, users };
}

/** One canonical split: `u1`…`u5` (u1.base / u1.test) or `ua`/`ub`. */
export async function loadMovieLensSplit(
  directory: string,
  split: MovieLensSplit,
): Promise<{ train: Ratings; test: Ratings }> {
  if (!MOVIELENS_SPLITS.includes(split)) {
    throw new TesseraError(
      'E_RECSYS_SPLIT',
      `unknown MovieLens split '${split}'; use one of ${MOVIELENS_SPLITS.join(', ')}`,
    );
  }
  // Both read at once, but a failure is reported for the base file first, whichever fails first.
  const [train, test] = await Promise.allSettled([
    readRatingsFile(directory, `${split}.base`),
    readRatingsFile(directory, `${split}.test`),
  ]);
  if (train.status === 'rejected') throw train.reason;
  if (test.status === 'rejected') throw test.reason;
  return { train: train.value, test: test.value };
}

async function readMovieLensFile(directory: string, name: string): Promise<string> {
  const isDirectory = await stat(directory).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new TesseraError(
      'E_RECSYS_DATA_NOT_FOUND',
      `'${directory}' is not a directory; pass the unpacked ml-100k folder (from https://grouplens.org/datasets/movielens/100k/)`,
      { category: 'not-found' },
    );
  }
  try {
    return await readFile(join(directory, name), 'latin1');
  } catch (error) {
    throw new TesseraError(
      'E_RECSYS_DATA_NOT_FOUND',
      `cannot read ${name} in '${directory}' (${(error as Error).message}); is this the unpacked ml-100k folder?`,
      { category: 'not-found', cause: error },
    );
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

function formatError(name: string, lineNumber: number, detail: string): TesseraError {
  return new TesseraError('E_RECSYS_DATA_FORMAT', `${name} line ${lineNumber}: ${detail}`);
}

/** u.data and the split files: `user \t item \t rating \t timestamp`. */
async function readRatingsFile(directory: string, name: string): Promise<Ratings> {
  const rows = lines(await readMovieLensFile(directory, name));
  const userIds: string[] = new Array(rows.length);
  const itemIds: string[] = new Array(rows.length);
  const values = new Float32Array(rows.length);
  const timestamps = new Float64Array(rows.length);
  rows.forEach((line, row) => {
    const fields = line.split('\t');
    if (fields.length !== 4)
      throw formatError(name, row + 1, `expected 4 tab-separated fields, found ${fields.length}`);
    const rating = Number(fields[2]);
    const timestamp = Number(fields[3]);
    if (!Number.isFinite(rating) || !Number.isFinite(timestamp)) {
      throw formatError(name, row + 1, `rating '${fields[2]}' and timestamp '${fields[3]}' must be numbers`);
    }
    userIds[row] = fields[0] as string;
    itemIds[row] = fields[1] as string;
    values[row] = rating;
    timestamps[row] = timestamp;
  });
  return { userIds, itemIds, values, timestamps };
}

/** u.item: `id|title|release date|video release date|IMDb URL|19 genre flags`. */
async function readMovieLensItems(directory: string): Promise<MovieLensItem[]> {
  return lines(await readMovieLensFile(directory, 'u.item')).map((line, row) => {
    const fields = line.split('|');
    if (fields.length !== 5 + MOVIELENS_GENRES.length) {
      throw formatError(
        'u.item',
        row + 1,
        `expected ${5 + MOVIELENS_GENRES.length} '|'-separated fields, found ${fields.length}`,
      );
    }
    const genreFlags = Uint8Array.from(fields.slice(5), (flag) => (flag === '1' ? 1 : 0));
    return {
      id: fields[0] as string,
      title: fields[1] as string,
      releaseDate: fields[2] as string,
      videoReleaseDate: fields[3] as string,
      url: fields[4] as string,
      genreFlags,
      genres: MOVIELENS_GENRES.filter((_, index) => genreFlags[index] === 1),
    };
  });
}

/** u.user: `id|age|gender|occupation|zip code`. */
async function readMovieLensUsers(directory: string): Promise<MovieLensUser[]> {
  return lines(await readMovieLensFile(directory, 'u.user')).map((line, row) => {
    const fields = line.split('|');
    if (fields.length !== 5)
      throw formatError('u.user', row + 1, `expected 5 '|'-separated fields, found ${fields.length}`);
    const age = Number(fields[1]);
    if (!Number.isFinite(age)) throw formatError('u.user', row + 1, `age '${fields[1]}' is not a number`);
    return {
      id: fields[0] as string,
      age,
      gender: fields[2] as string,
      occupation: fields[3] as string,
      zipCode: fields[4] as string,
    };
  });
}
