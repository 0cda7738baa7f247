import { readFile } from 'node:fs/promises';
import { TesseraError } from '@tessera/core';
import type { Ratings } from './ratings.js';

const USER_COLUMNS = ['userId', 'user_id', 'user'];
const ITEM_COLUMNS = ['movieId', 'itemId', 'movie_id', 'item_id', 'item'];
const RATING_COLUMNS = ['rating'];
const TIMESTAMP_COLUMNS = ['timestamp'];

/**
 * Ratings from CSV text with a header naming the columns, as MovieLens's later releases ship
 * (`userId,movieId,rating,timestamp`); `itemId` may stand for `movieId`, the timestamp may be
 * absent, and other columns are ignored. Fields are plain (no quoted commas), which is what
 * these files contain.
 */
export function parseRatingsCsv(text: string, source = 'ratings CSV'): Ratings {
  const rows = text.split(/\r?\n/);
  const header = (rows[0] ?? '').split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
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
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const values: number[] = [];
  const timestamps: number[] = [];
  for (let row = 1; row < rows.length; row++) {
    const line = rows[row] as string;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length !== header.length) {
      throw new TesseraError(
        'E_RECSYS_DATA_FORMAT',
        `${source} line ${row + 1}: expected ${header.length} fields like the header, found ${fields.length}`,
      );
    }
    const rating = Number(fields[ratingColumn]);
    const timestamp = timestampColumn < 0 ? 0 : Number(fields[timestampColumn]);
    if (!Number.isFinite(rating) || !Number.isFinite(timestamp)) {
      throw new TesseraError(
        'E_RECSYS_DATA_FORMAT',
        `${source} line ${row + 1}: rating '${fields[ratingColumn]}' and timestamp must be numbers`,
      );
    }
    userIds.push((fields[userColumn] as string).trim().replace(/^"|"$/g, ''));
    itemIds.push((fields[itemColumn] as string).trim().replace(/^"|"$/g, ''));
    values.push(rating);
    timestamps.push(timestamp);
  }
  return { userIds, itemIds, values: Float32Array.from(values), timestamps: Float64Array.from(timestamps) };
}

/** Reads a ratings CSV file; see parseRatingsCsv. */
export async function readRatingsCsv(path: string): Promise<Ratings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
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
  return parseRatingsCsv(text, path);
}
