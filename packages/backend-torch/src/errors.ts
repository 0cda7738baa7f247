/**
 * Errors from the torch backend carry a stable code, like `TesseraError` in @tessera/core (this
 * package does not import core at runtime: core loads it, not the other way round).
 */
export class TorchBackendError extends Error {
  readonly code: string;
  readonly detail: string;

  constructor(code: string, detail: string) {
    super(`${code}: ${detail}`);
    this.name = 'TesseraError';
    this.code = code;
    this.detail = detail;
  }
}
