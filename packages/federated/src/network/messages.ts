import { TesseraError } from '@tessera/core';
import type {
  AdvertisedKeys,
  EncryptedShare,
  SecureAggregationRoster,
  UnmaskingShares,
} from '../secure-aggregation/protocol-messages.js';

/**
 * The networked protocol. Every message names the round (1-based) and the attempt (a round that
 * fails for lack of clients is retried with the next attempt number), so a late answer to an
 * abandoned attempt is never mistaken for a current one.
 *
 * Plain FedAvg:     server `train` (+ global model) → client `update` (+ delta)
 * Secure aggregation (Bonawitz et al.):
 *   server `train` → client `advertise-keys` → server `share-keys` (roster) → client
 *   `encrypted-shares` → server `masked-input-request` (routed shares) → client `masked-input`
 *   (+ masked vector) → server `unmask-request` (survivors) → client `unmask-shares`
 * Then server `round-complete`, and `finished` after the last round.
 */

/** What the server asks of every client in a round. */
export interface RoundConfig {
  localEpochs: number;
  /** A positive integer, or null for full-batch local steps (JSON has no Infinity). */
  localBatchSize: number | null;
  proximalStrength: number;
  /** Clients clip their own update to this norm under secure aggregation (the server cannot see it). */
  maxUpdateNorm: number | null;
  /** Present when the round uses secure aggregation. */
  secureAggregation: { fractionalBits: number } | null;
}

/** Which round, and which attempt at it (a failed round is retried), a message belongs to; messages for another are ignored. */
export interface RoundAddress {
  round: number;
  attempt: number;
}

export type ServerMessage =
  | ({ type: 'train'; config: RoundConfig } & RoundAddress)
  | ({ type: 'share-keys'; roster: SecureAggregationRoster; totalExamples: number } & RoundAddress)
  | ({ type: 'masked-input-request'; maskingSet: string[]; shares: EncryptedShare[] } & RoundAddress)
  | ({ type: 'unmask-request'; survivors: string[] } & RoundAddress)
  | ({ type: 'round-complete'; participants: number } & RoundAddress)
  | { type: 'finished'; rounds: number };

export type ClientMessage =
  | ({ type: 'update'; exampleCount: number; loss: number } & RoundAddress)
  | ({ type: 'advertise-keys'; exampleCount: number; loss: number; keys: AdvertisedKeys } & RoundAddress)
  | ({ type: 'encrypted-shares'; shares: EncryptedShare[] } & RoundAddress)
  | ({ type: 'masked-input' } & RoundAddress)
  | ({ type: 'unmask-shares'; unmasking: UnmaskingShares } & RoundAddress)
  | ({ type: 'abort'; reason: string } & RoundAddress);

const CLIENT_TYPES = new Set([
  'update',
  'advertise-keys',
  'encrypted-shares',
  'masked-input',
  'unmask-shares',
  'abort',
]);

const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Checks the fields the server relies on before a client message reaches any round logic; the
 * secure-aggregation objects inside are validated again by the protocol classes.
 */
export function parseClientMessage(header: Record<string, unknown>): ClientMessage {
  const fail = (detail: string): never => {
    throw new TesseraError('E_FEDERATED_MESSAGE', `bad '${String(header.type)}' message: ${detail}`);
  };
  if (!CLIENT_TYPES.has(header.type as string)) fail('unknown message type');
  if (!isCount(header.round) || !isCount(header.attempt)) fail('round and attempt must be non-negative integers');
  switch (header.type) {
    case 'update':
    case 'advertise-keys':
      if (!isCount(header.exampleCount) || (header.exampleCount as number) < 1)
        fail('exampleCount must be a positive integer');
      if (typeof header.loss !== 'number') fail('loss must be a number');
      if (header.type === 'advertise-keys') {
        const keys = header.keys as Record<string, unknown> | null;
        if (
          keys === null ||
          typeof keys !== 'object' ||
          typeof keys.encryptionPublicKey !== 'string' ||
          typeof keys.maskingPublicKey !== 'string'
        ) {
          fail('keys must hold encryptionPublicKey and maskingPublicKey');
        }
      }
      break;
    case 'encrypted-shares':
      if (!Array.isArray(header.shares)) fail('shares must be an array');
      for (const share of header.shares as unknown[]) {
        const entry = share as Record<string, unknown> | null;
        if (
          entry === null ||
          typeof entry !== 'object' ||
          typeof entry.from !== 'string' ||
          typeof entry.to !== 'string' ||
          typeof entry.ciphertext !== 'string'
        ) {
          fail('every share needs string from, to and ciphertext');
        }
      }
      break;
    case 'unmask-shares': {
      const unmasking = header.unmasking as Record<string, unknown> | null;
      if (
        unmasking === null ||
        typeof unmasking !== 'object' ||
        !Array.isArray(unmasking.selfMaskSeedShares) ||
        !Array.isArray(unmasking.maskingKeyShares)
      ) {
        fail('unmasking must hold selfMaskSeedShares and maskingKeyShares arrays');
      }
      break;
    }
    case 'abort':
      if (typeof header.reason !== 'string') fail('reason must be a string');
      break;
  }
  return header as unknown as ClientMessage;
}
