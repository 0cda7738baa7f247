import { TesseraError } from '@tessera/core';

/**
 * Reading untrusted JSON (`tokenizer.json`, `tokenizer_config.json`) field by field: every check
 * throws a TesseraError naming the field's path, and no message ever stringifies a whole value
 * (a hostile file could make that huge or deeply nested).
 */

export type JsonObject = Record<string, unknown>;

/** Component sequences nest (a Sequence of Sequences); deeper than this is rejected, not recursed into. */
export const MAX_COMPONENT_DEPTH = 32;

/** A short, bounded description of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

export function formatError(path: string, expected: string, value: unknown): TesseraError {
  return new TesseraError('E_TOKENIZER_FORMAT', `${path} must be ${expected}, found ${describeValue(value)}`);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, path: string): JsonObject {
  if (!isJsonObject(value)) throw formatError(path, 'an object', value);
  return value;
}

export function expectArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw formatError(path, 'an array', value);
  return value;
}

export function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw formatError(path, 'a string', value);
  return value;
}

export function optionalString(value: unknown, path: string): string | undefined {
  return value === undefined || value === null ? undefined : expectString(value, path);
}

export function optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw formatError(path, 'true or false', value);
  return value;
}

/** A non-negative integer no larger than `maximum` (ids, counts, lengths). */
export function expectIndex(value: unknown, path: string, maximum = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > maximum) {
    throw formatError(path, `an integer from 0 to ${maximum}`, value);
  }
  return value;
}

export function optionalIndex(value: unknown, path: string, fallback: number, maximum?: number): number {
  return value === undefined || value === null ? fallback : expectIndex(value, path, maximum);
}

/** The `type` of a component object, and the object itself. */
export function componentType(value: unknown, path: string): { type: string; fields: JsonObject } {
  const fields = expectObject(value, path);
  return { type: expectString(fields.type, `${path}.type`), fields };
}

export function unsupported(path: string, what: string, supported: readonly string[]): TesseraError {
  return new TesseraError(
    'E_TOKENIZER_UNSUPPORTED',
    `${path}: ${what} is not supported; supported: ${supported.join(', ')}`,
  );
}

export function checkDepth(depth: number, path: string): void {
  if (depth > MAX_COMPONENT_DEPTH) {
    throw new TesseraError('E_TOKENIZER_FORMAT', `${path} nests sequences deeper than ${MAX_COMPONENT_DEPTH}`);
  }
}

/** tokenizer.json's `{ "String": "…" }` or `{ "Regex": "…" }`. */
export type JsonPattern = { kind: 'string'; source: string } | { kind: 'regex'; source: string };

export function expectPattern(value: unknown, path: string): JsonPattern {
  const fields = expectObject(value, path);
  if (typeof fields.String === 'string') return { kind: 'string', source: fields.String };
  if (typeof fields.Regex === 'string') return { kind: 'regex', source: fields.Regex };
  throw formatError(path, '{ "String": … } or { "Regex": … }', value);
}
