/**
 * Every error Tessera raises on purpose is a `TesseraError` with a stable `code`, so callers
 * can branch on `error.code` instead of parsing messages. The message starts with the code and
 * says what was wrong and what to do about it.
 */
export type TesseraErrorCode = `E_${string}`;

export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  readonly code: TesseraErrorCode;

  constructor(code: TesseraErrorCode, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.code = code;
  }
}

/** True when `value` is a `TesseraError`, optionally with the given code. */
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  return value instanceof TesseraError && (code === undefined || value.code === code);
}
