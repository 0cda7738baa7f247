/**
 * The one error class of Tessera. Every error a Tessera package raises on purpose is a
 * `TesseraError` with a stable `code` (branch on it, never on the message) and a `category` that
 * says whose move it is: a server turns the category into an HTTP status, a CLI into an exit line.
 *
 * Two installed copies of this package (an app and a dependency each bringing one) must agree on
 * what a TesseraError is, so the check is a `Symbol.for` marker rather than class identity:
 * `isTesseraError` and even `instanceof TesseraError` hold for an error made by any copy.
 */
export type TesseraErrorCode = `E_${string}`;

/**
 * Whose move it is:
 * - `input`: the caller's input is wrong (a file, a config value, a request body); fix it and retry.
 * - `not-found`: the thing named does not exist (a file, a model kind, a user id).
 * - `unavailable`: a resource is missing or busy for now (a backend not installed, a queue timed out).
 * - `busy`: too many requests at once; retry later.
 * - `internal`: Tessera or an engine below it failed; not the caller's fault, worth a bug report.
 */
export const ERROR_CATEGORIES = ['input', 'not-found', 'unavailable', 'busy', 'internal'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Most errors are about what the caller passed in; the others say so where they are raised. */
export const DEFAULT_ERROR_CATEGORY: ErrorCategory = 'input';

const TESSERA_ERROR_MARKER: unique symbol = Symbol.for('tessera.error') as never;

export interface TesseraErrorOptions {
  category?: ErrorCategory;
  cause?: unknown;
}

export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  readonly code: TesseraErrorCode;
  readonly category: ErrorCategory;
  /** What was wrong and what to do, without the code (the message is `${code}: ${detail}`). */
  readonly detail: string;
  readonly [TESSERA_ERROR_MARKER] = true;

  constructor(code: TesseraErrorCode, detail: string, options: TesseraErrorOptions = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = detail;
    this.category = options.category ?? DEFAULT_ERROR_CATEGORY;
  }

  /**
   * `error instanceof TesseraError` holds for errors made by any copy of this package. A subclass
   * keeps the ordinary prototype check (a plain TesseraError is no instance of it).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof asked about.
    if (this !== TesseraError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasTesseraMarker(value);
  }
}

function hasTesseraMarker(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[TESSERA_ERROR_MARKER] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** True when `value` is a `TesseraError` from any copy of Tessera, optionally with the given code. */
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  return hasTesseraMarker(value) && (code === undefined || (value as TesseraError).code === code);
}
