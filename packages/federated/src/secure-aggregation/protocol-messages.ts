import { TesseraError } from '@tessera/core';

/**
 * What the parties of Bonawitz et al.'s protocol exchange, as JSON-ready values (keys and
 * ciphertexts in base64, field elements in hex), so the same objects travel over any transport.
 */

/** Round 0 (AdvertiseKeys): a client's two fresh X25519 public keys. */
export interface AdvertisedKeys {
  clientId: string;
  /** c_u^PK: agreed with peers to encrypt the shares routed through the server. */
  encryptionPublicKey: string;
  /** s_u^PK: agreed with peers to seed the pairwise masks. */
  maskingPublicKey: string;
}

/** The server's answer to round 0: who takes part (U1, sorted by id) and the Shamir threshold. */
export interface SecureAggregationRoster {
  /** A fresh random id of this aggregation; every derived key and ciphertext is bound to it. */
  session: string;
  /** Shares needed to reconstruct a secret: at most clients.length − threshold may drop out. */
  threshold: number;
  clients: AdvertisedKeys[];
}

/** Round 1 (ShareKeys): one client's shares for another, encrypted end to end. */
export interface EncryptedShare {
  from: string;
  to: string;
  /** base64 of nonce ‖ AES-256-GCM ciphertext ‖ tag. */
  ciphertext: string;
}

/** A share a client reveals in round 4 (Unmasking): the owner's secret's point at x. */
export interface RevealedShare {
  owner: string;
  x: number;
  /** The field element f(x), hex. */
  y: string;
}

/** Round 4: shares of the self-mask seeds of survivors and of the masking keys of dropped clients. */
export interface UnmaskingShares {
  clientId: string;
  selfMaskSeedShares: RevealedShare[];
  maskingKeyShares: RevealedShare[];
}

export const KEY_CONTEXT_PREFIX = 'tessera-secure-aggregation/v1';

/** The context every derived key and every ciphertext of one session is bound to. */
export function sessionContext(session: string): string {
  return `${KEY_CONTEXT_PREFIX}|${session}`;
}

/**
 * The Shamir threshold for `clientCount` clients tolerating `dropoutTolerance` dropouts: at least
 * a strict majority (so no client ever helps reveal both secrets of the same peer to a server
 * that asks different clients different questions), otherwise clientCount − dropoutTolerance.
 */
export function secureAggregationThreshold(clientCount: number, dropoutTolerance: number): number {
  if (!Number.isSafeInteger(dropoutTolerance) || dropoutTolerance < 0) {
    throw new TesseraError(
      'E_SECURE_AGGREGATION_OPTIONS',
      `dropoutTolerance must be a non-negative integer, got ${String(dropoutTolerance)}`,
    );
  }
  return Math.max(Math.floor(clientCount / 2) + 1, clientCount - dropoutTolerance);
}

export function decodeBase64Key(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) {
    throw new TesseraError('E_SECURE_AGGREGATION_KEY', `${what} is not a base64 32-byte key`);
  }
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

/** Ids are compared by code units, the same on every party, to orient pairwise masks. */
export function compareIds(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
