import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TesseraError } from '@tessera/core';
import { fieldError, readId, readNumber, readRating } from './rating-fields.js';
import type { RatingScale } from './rating-matrix.js';
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
 *
 * Every line is checked, and a damaged one is an error naming the file and line: ids must be
 * numbers from 1, ratings whole stars 1–5 (`E_RECSYS_RATING` otherwise), timestamps whole seconds,
 * genre flags 0 or 1, and no field may be empty (`E_RECSYS_DATA_FORMAT`); an empty u.data or split
 * file is `E_RECSYS_EMPTY`.
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

/** The non-blank lines, each with its line number in the file (1-based). */
function lines(text: string): Array<{ line: string; number: number }> {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '');
}

/** MovieLens 100K's README: "100,000 ratings (1-5)", whole stars. */
const MOVIELENS_100K_SCALE: RatingScale = { minimum: 1, maximum: 5 };

/** Ids in MovieLens 100K are numbered from 1 ("The user ids are numbered consecutively from 1"). */
function readNumericId(field: string, what: string, name: string, line: number): string {
  const id = readId(field, what, name, line);
  if (!/^[1-9]\d*$/.test(id)) throw fieldError(name, line, `the ${what} id '${id}' is not a number from 1 up`);
  return id;
}

/** u.data and the split files: `user \t item \t rating \t timestamp`. */
async function readRatingsFile(directory: string, name: string): Promise<Ratings> {
  const rows = lines(await readMovieLensFile(directory, name));
  if (rows.length === 0) {
    throw new TesseraError('E_RECSYS_EMPTY', `${name} in '${directory}' holds no ratings; is the download complete?`);
  }
  const userIds: string[] = new Array(rows.length);
  const itemIds: string[] = new Array(rows.length);
  const values = new Float32Array(rows.length);
  const timestamps = new Float64Array(rows.length);
  rows.forEach(({ line, number }, row) => {
    const fields = line.split('\t');
    if (fields.length !== 4) throw fieldError(name, number, `expected 4 tab-separated fields, found ${fields.length}`);
    const rating = readRating(fields[2] as string, MOVIELENS_100K_SCALE, "MovieLens 100K's scale", name, number);
    if (!Number.isInteger(rating)) throw fieldError(name, number, `rating ${rating} is not a whole star`);
    const timestamp = readNumber(fields[3] as string, 'timestamp', name, number);
    if (!Number.isInteger(timestamp) || timestamp < 0) {
      throw fieldError(name, number, `timestamp ${fields[3]} is not whole seconds since 1970`);
    }
    userIds[row] = readNumericId(fields[0] as string, 'user', name, number);
    itemIds[row] = readNumericId(fields[1] as string, 'item', name, number);
    values[row] = rating;
    timestamps[row] = timestamp;
  });
  return { userIds, itemIds, values, timestamps };
}

/** u.item: `id|title|release date|video release date|IMDb URL|19 genre flags`. */
async function readMovieLensItems(directory: string): Promise<MovieLensItem[]> {
  return lines(await readMovieLensFile(directory, 'u.item')).map(({ line, number }) => {
    const fields = line.split('|');
    if (fields.length !== 5 + MOVIELENS_GENRES.length) {
      throw fieldError(
        'u.item',
        number,
        `expected ${5 + MOVIELENS_GENRES.length} '|'-separated fields, found ${fields.length}`,
      );
    }
    const flags = fields.slice(5);
    const badFlag = flags.findIndex((flag) => flag !== '0' && flag !== '1');
    if (badFlag >= 0) {
      throw fieldError('u.item', number, `genre flag ${MOVIELENS_GENRES[badFlag]} is '${flags[badFlag]}', not 0 or 1`);
    }
    const genreFlags = Uint8Array.from(flags, Number);
    return {
      id: readNumericId(fields[0] as string, 'item', 'u.item', number),
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
  return lines(await readMovieLensFile(directory, 'u.user')).map(({ line, number }) => {
    const fields = line.split('|');
    if (fields.length !== 5)
      throw fieldError('u.user', number, `expected 5 '|'-separated fields, found ${fields.length}`);
    const age = readNumber(fields[1] as string, 'age', 'u.user', number);
    return {
      id: readNumericId(fields[0] as string, 'user', 'u.user', number),
      age,
      gender: fields[2] as string,
      occupation: fields[3] as string,
      zipCode: fields[4] as string,
    };
  });
}
