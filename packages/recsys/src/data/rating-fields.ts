import { TesseraError } from '@tessera/core';
import type { RatingScale } from './rating-matrix.js';

/**
 * The field checks the ratings readers share (CSV and MovieLens): every refusal names the file and
 * the line, so a damaged row is found, never read as a 0 or an empty id.
 */

/** A plain decimal number: digits, an optional fraction and exponent; no hex, no 'Infinity', not empty. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Control characters or a stray double quote: never part of an id or a number. */
const CONTROL_OR_QUOTE = /[\p{Cc}"]/u;

/**
 * Without a declared scale, ratings must lie within ±2^24: float32, which stores them, holds whole
 * numbers exactly only up to there, and no rating or interaction count comes near it (1e30 is damage).
 */
export const LARGEST_UNDECLARED_RATING = 2 ** 24;

export function fieldError(source: string, line: number, detail: string): TesseraError {
  return new TesseraError('E_RECSYS_DATA_FORMAT', `${source} line ${line}: ${detail}`);
}

/** An id field: trimmed, unquoted, and neither empty nor holding control characters or quotes. */
export function readId(field: string, what: string, source: string, line: number): string {
  const id = field.trim();
  if (id === '') throw fieldError(source, line, `the ${what} id is empty`);
  if (CONTROL_OR_QUOTE.test(id)) {
    throw fieldError(source, line, `the ${what} id ${JSON.stringify(id)} holds a control character or a stray quote`);
  }
  return id;
}

/** A number field (rating or timestamp): a finite plain decimal; empty is an error, not 0. */
export function readNumber(field: string, what: string, source: string, line: number): number {
  const text = field.trim();
  if (text === '') throw fieldError(source, line, `the ${what} is empty`);
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw fieldError(source, line, `${what} '${text}' is not a finite decimal number`);
  return value;
}

/** A rating: a number inside `scale` (inclusive). */
export function readRating(field: string, scale: RatingScale, scaleName: string, source: string, line: number): number {
  const value = readNumber(field, 'rating', source, line);
  if (!(value >= scale.minimum && value <= scale.maximum)) {
    throw new TesseraError(
      'E_RECSYS_RATING',
      `${source} line ${line}: rating ${field.trim()} is outside ${scaleName} [${scale.minimum}, ${scale.maximum}]`,
    );
  }
  return value;
}

/** A declared scale must be a finite, non-empty range. */
export function checkDeclaredScale(scale: RatingScale): RatingScale {
  if (!(Number.isFinite(scale.minimum) && Number.isFinite(scale.maximum) && scale.minimum <= scale.maximum)) {
    throw new TesseraError(
      'E_RECSYS_RATING',
      `a rating scale needs finite minimum ≤ maximum, got [${scale.minimum}, ${scale.maximum}]`,
    );
  }
  return { minimum: scale.minimum, maximum: scale.maximum };
}
