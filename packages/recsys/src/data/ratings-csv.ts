import { readFile } from 'node:fs/promises';
import { TesseraError } from '@tessera/core';
import { checkDeclaredScale, LARGEST_UNDECLARED_RATING, readId, readNumber, readRating } from './rating-fields.js';
import type { RatingScale } from './rating-matrix.js';
import type { Ratings } from './ratings.js';

const USER_COLUMNS = ['userId', 'user_id', 'user'];
const ITEM_COLUMNS = ['movieId', 'itemId', 'movie_id', 'item_id', 'item'];
const RATING_COLUMNS = ['rating'];
const TIMESTAMP_COLUMNS = ['timestamp'];

/** The header of MovieLens's CSV releases (ml-latest, 20M, 25M, 32M), whose README gives the scale. */
const MOVIELENS_HEADER = 'userId,movieId,rating,timestamp';
/** "Ratings are made on a 5-star scale, with half-star increments (0.5 stars - 5.0 stars)." */
const MOVIELENS_SCALE: RatingScale = { minimum: 0.5, maximum: 5 };

export interface RatingsCsvOptions {
  /**
   * The scale every rating must lie in, e.g. `{ minimum: 1, maximum: 5 }`. Default: MovieLens's
   * 0.5–5 for a file with its header (`userId,movieId,rating,timestamp`), else none: any finite
   * rating within ±2^24, and the scale reported is the data's own range.
   */
  scale?: RatingScale;
}

/** Ratings read from a CSV file, with the scale they were checked against. */
export interface RatingsCsv extends Ratings {
  /** The declared scale, MovieLens's, or the data's [minimum, maximum] (pass it on to `RatingMatrix.fromRatings`). */
  readonly scale: RatingScale;
  readonly scaleSource: 'declared' | 'movielens' | 'data';
}

/** Trimmed, without one pair of enclosing double quotes. */
const unquote = (field: string) =>
  field
    .trim()
    .replace(/^"(.*)"$/s, '$1')
    .trim();

/**
 * Ratings from CSV text with a header naming the columns, as MovieLens's later releases ship
 * (`userId,movieId,rating,timestamp`); `itemId` may stand for `movieId`, the timestamp may be
 * absent, and other columns are ignored. Fields are plain (no quoted commas), which is what
 * these files contain; a field may be wrapped in one pair of double quotes.
 *
 * Every row must hold non-empty ids and a finite rating inside the scale (see
 * {@link RatingsCsvOptions.scale}); an empty rating or timestamp is an error naming `source` and the
 * line (`E_RECSYS_DATA_FORMAT`), never a 0, and so is a header with no rows after it
 * (`E_RECSYS_EMPTY`). Ratings off the scale are `E_RECSYS_RATING`.
 */
export function parseRatingsCsv(text: string, source = 'ratings CSV', options: RatingsCsvOptions = {}): RatingsCsv {
  const rows = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const header = (rows[0] ?? '').split(',').map(unquote);
  const find = (candidates: string[]) => header.findIndex((name) => candidates.includes(name));
  const userColumn = find(USER_COLUMNS);
  const itemColumn = find(ITEM_COLUMNS);
  const ratingColumn = find(RATING_COLUMNS);
  const timestampColumn = find(TIMESTAMP_COLUMNS);
  if (userColumn < 0 || itemColumn < 0 || ratingColumn < 0) {
    throw new TesseraError(
      'E_RECSYS_DATA_FORMAT',
      `${source}: the header '${rows[0] ?? ''}' needs columns userId, movieId (or itemId) and rating, e.g. 'userId,movieId,rating,timestamp'`,
    );
  }
  const isMovieLens = header.join(',') === MOVIELENS_HEADER;
  const declared = options.scale === undefined ? undefined : checkDeclaredScale(options.scale);
  const [scale, scaleName] =
    declared !== undefined
      ? [declared, 'the declared scale']
      : isMovieLens
        ? [MOVIELENS_SCALE, "MovieLens's scale (declare options.scale for another)"]
        : [
            { minimum: -LARGEST_UNDECLARED_RATING, maximum: LARGEST_UNDECLARED_RATING },
            'the ±2^24 allowed without a declared scale',
          ];
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const values: number[] = [];
  const timestamps: number[] = [];
  for (let row = 1; row < rows.length; row++) {
    const line = rows[row] as string;
    if (line.trim() === '') continue;
    const lineNumber = row + 1;
    const fields = line.split(',').map(unquote);
    if (fields.length !== header.length) {
      throw new TesseraError(
        'E_RECSYS_DATA_FORMAT',
        `${source} line ${lineNumber}: expected ${header.length} fields like the header, found ${fields.length}`,
      );
    }
    userIds.push(readId(fields[userColumn] as string, 'user', source, lineNumber));
    itemIds.push(readId(fields[itemColumn] as string, 'item', source, lineNumber));
    values.push(readRating(fields[ratingColumn] as string, scale, scaleName, source, lineNumber));
    timestamps.push(
      timestampColumn < 0 ? 0 : readNumber(fields[timestampColumn] as string, 'timestamp', source, lineNumber),
    );
  }
  if (values.length === 0) {
    throw new TesseraError('E_RECSYS_EMPTY', `${source} has a header but no ratings`);
  }
  const dataScale = { minimum: values[0] as number, maximum: values[0] as number };
  for (const value of values) {
    if (value < dataScale.minimum) dataScale.minimum = value;
    if (value > dataScale.maximum) dataScale.maximum = value;
  }
  return {
    userIds,
    itemIds,
    values: Float32Array.from(values),
    timestamps: Float64Array.from(timestamps),
    scale: declared ?? (isMovieLens ? MOVIELENS_SCALE : dataScale),
    scaleSource: declared !== undefined ? 'declared' : isMovieLens ? 'movielens' : 'data',
  };
}

/** Reads a ratings CSV file (UTF-8; other bytes are refused, not replaced); see parseRatingsCsv. */
export async function readRatingsCsv(path: string, options: RatingsCsvOptions = {}): Promise<RatingsCsv> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TesseraError(
      'E_RECSYS_DATA_NOT_FOUND',
      `cannot read ratings CSV '${path}': ${(error as Error).message}`,
      {
        category: 'not-found',
        cause: error,
      },
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new TesseraError('E_RECSYS_DATA_FORMAT', `${path} is not UTF-8 text; re-encode it as UTF-8`, {
      cause: error,
    });
  }
  return parseRatingsCsv(text, path, options);
}
