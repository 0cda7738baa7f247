import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TesseraError } from '@tessera/core';

/** A fresh client token: 32 random bytes, base64url (43 characters). */
export function generateClientToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Per-client bearer tokens, checked in constant time: both sides are hashed to 32 bytes first,
 * so neither the comparison nor the token's length leaks through timing, and an unknown client
 * id costs the same comparison as a known one.
 */
export class ClientTokens {
  private readonly digests = new Map<string, Buffer>();
  private readonly decoy = digest(generateClientToken());

  constructor(tokens: Record<string, string>) {
    if (tokens === null || typeof tokens !== 'object' || Object.keys(tokens).length === 0) {
      throw new TesseraError(
        'E_FEDERATED_OPTIONS',
        'clients must map every client id to its token, e.g. { "hospital-a": generateClientToken() }',
      );
    }
    for (const [clientId, token] of Object.entries(tokens)) {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(clientId)) {
        throw new TesseraError(
          'E_FEDERATED_OPTIONS',
          `client id '${clientId}' must be 1–128 letters, digits, '.', '_' or '-'`,
        );
      }
      if (typeof token !== 'string' || token.length < 16) {
        throw new TesseraError(
          'E_FEDERATED_OPTIONS',
          `the token of client '${clientId}' must be a string of at least 16 characters (see generateClientToken)`,
        );
      }
      this.digests.set(clientId, digest(token));
    }
  }

  get clientIds(): string[] {
    return [...this.digests.keys()];
  }

  /** True only for a known client id presenting its own token. */
  verify(clientId: string | undefined, token: string | undefined): boolean {
    const expected = (clientId !== undefined ? this.digests.get(clientId) : undefined) ?? this.decoy;
    const matches = timingSafeEqual(expected, digest(token ?? ''));
    return matches && expected !== this.decoy;
  }
}
