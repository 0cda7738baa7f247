/**
 * Tessera's one error class lives in @tessera/spec; core re-exports it so that users import it from
 * the package they already use, and so that every package throws the same class.
 */
export type { ErrorCategory, TesseraErrorCode, TesseraErrorOptions } from '@tessera/spec';
export { ERROR_CATEGORIES, isTesseraError, TesseraError } from '@tessera/spec';
