import { TesseraError } from '@tessera/core';

/** Per-request limits: every field a client controls is bounded. */
export interface InferenceServerLimits {
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimitBytes: number;
  /** Longest prompt, in characters (default 4096). */
  maxPromptCharacters: number;
  /** Most tokens one generation may ask for (default 256). */
  maxNewTokens: number;
  /** Most texts in one classify request (default 32). */
  maxBatch: number;
  /** Longest text to classify, in characters (default 4096). */
  maxTextCharacters: number;
}

export const DEFAULT_SERVER_LIMITS: InferenceServerLimits = {
  bodyLimitBytes: 1 << 20,
  maxPromptCharacters: 4096,
  maxNewTokens: 256,
  maxBatch: 32,
  maxTextCharacters: 4096,
};

export function resolveLimits(limits: Partial<InferenceServerLimits> = {}): InferenceServerLimits {
  const resolved = { ...DEFAULT_SERVER_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new TesseraError('E_SERVER_OPTION', `limit ${name} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}
