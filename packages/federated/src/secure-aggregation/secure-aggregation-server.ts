import { TesseraError } from '@tessera/core';
import { checkFractionalBits, DEFAULT_FRACTIONAL_BITS, decodeFixedPoint } from './fixed-point.js';
import { agree, deriveKey, publicKeyOf } from './key-agreement.js';
import { applyMask } from './mask-expansion.js';
import { bigIntToBytes, type RandomBytes, secureRandomBytes } from './prime-field.js';
import {
  type AdvertisedKeys,
  compareIds,
  decodeBase64Key,
  type EncryptedShare,
  encodeBase64,
  type SecureAggregationRoster,
  secureAggregationThreshold,
  sessionContext,
  type UnmaskingShares,
} from './protocol-messages.js';
import { reconstructSecret, type ShamirShare } from './shamir.js';

export interface SecureAggregationServerOptions {
  /** Length of every client's input vector. */
  vectorLength: number;
  /**
   * Clients that may drop out after advertising keys while the sum is still recovered. The
   * threshold is max(⌊n/2⌋ + 1, n − dropoutTolerance) for the n clients of the roster, so at most
   * ⌈n/2⌉ − 1 dropouts are tolerated whatever is asked (default 1).
   */
  dropoutTolerance?: number;
  /** Must match the clients' (default 20). */
  fractionalBits?: number;
  randomBytes?: RandomBytes;
}

/** The outcome of an aggregation: the sum over the survivors, and who they were. */
export interface SecureAggregationResult {
  /** Σ_{u ∈ survivors} x_u, decoded from fixed point. */
  sum: Float32Array;
  /** U3: the clients whose inputs the sum contains. */
  survivors: string[];
  /** U2 \ U3: clients that shared keys but sent no masked input; their pairwise masks were removed. */
  dropped: string[];
}

function dropoutError(stage: string, have: number, threshold: number, total: number): TesseraError {
  return new TesseraError(
    'E_SECURE_AGGREGATION_DROPOUTS',
    `${stage}: only ${have} of ${total} clients remain and ${threshold} are needed to recover the sum ` +
      `(at most ${total - threshold} may drop out); this aggregation cannot complete — start a new one`,
  );
}

/**
 * The server's side of secure aggregation: it routes encrypted shares, sums masked inputs and,
 * with the survivors' shares, removes the masks, learning only the sum. Drive it in order:
 *
 *   createRoster(keys) → routeShares(sharesBySender) → collectMaskedInputs(inputs) → unmask(responses)
 *
 * Each step accepts whatever subset of clients answered; when fewer than the threshold remain it
 * throws E_SECURE_AGGREGATION_DROPOUTS, and the aggregation must be restarted.
 */
export class SecureAggregationServer {
  readonly vectorLength: number;
  readonly dropoutTolerance: number;
  readonly fractionalBits: number;
  private readonly randomBytes: RandomBytes;
  private roster: SecureAggregationRoster | undefined;
  private maskingSet: string[] = [];
  private survivors: string[] = [];
  private maskedSum: Uint32Array | undefined;

  constructor(options: SecureAggregationServerOptions) {
    if (!Number.isSafeInteger(options.vectorLength) || options.vectorLength < 1) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_OPTIONS',
        `vectorLength must be a positive integer, got ${options.vectorLength}`,
      );
    }
    this.vectorLength = options.vectorLength;
    this.dropoutTolerance = options.dropoutTolerance ?? 1;
    secureAggregationThreshold(2, this.dropoutTolerance); // validates
    this.fractionalBits = checkFractionalBits(options.fractionalBits ?? DEFAULT_FRACTIONAL_BITS);
    this.randomBytes = options.randomBytes ?? secureRandomBytes;
  }

  get threshold(): number {
    return (this.roster as SecureAggregationRoster).threshold;
  }

  /** After round 0: U1, sorted by id, with a fresh session id and the threshold. */
  createRoster(keys: AdvertisedKeys[]): SecureAggregationRoster {
    if (this.roster !== undefined)
      throw new TesseraError('E_SECURE_AGGREGATION_PHASE', 'createRoster was already called');
    const clients = [...keys].sort((left, right) => compareIds(left.clientId, right.clientId));
    for (const [index, client] of clients.entries()) {
      decodeBase64Key(client.encryptionPublicKey, `${client.clientId}'s encryption key`);
      decodeBase64Key(client.maskingPublicKey, `${client.clientId}'s masking key`);
      if (index > 0 && clients[index - 1]?.clientId === client.clientId) {
        throw new TesseraError('E_SECURE_AGGREGATION_ROSTER', `client ${client.clientId} advertised keys twice`);
      }
    }
    if (clients.length < 2) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_DROPOUTS',
        `secure aggregation needs at least 2 clients, got ${clients.length}`,
      );
    }
    this.roster = {
      session: encodeBase64(this.randomBytes(16)),
      threshold: secureAggregationThreshold(clients.length, this.dropoutTolerance),
      clients: clients.map(({ clientId, encryptionPublicKey, maskingPublicKey }) => ({
        clientId,
        encryptionPublicKey,
        maskingPublicKey,
      })),
    };
    return this.roster;
  }

  /**
   * After round 1: U2 is every roster member that sent exactly one share for each other member;
   * each member of U2 gets the shares U2 addressed to it.
   */
  routeShares(sharesBySender: Map<string, EncryptedShare[]>): {
    maskingSet: string[];
    sharesByRecipient: Map<string, EncryptedShare[]>;
  } {
    const roster = this.requireRoster('routeShares');
    const ids = roster.clients.map((client) => client.clientId);
    const wellFormed = (sender: string, shares: EncryptedShare[]): boolean => {
      const recipients = new Set(shares.map((share) => share.to));
      return (
        Array.isArray(shares) &&
        shares.length === ids.length - 1 &&
        recipients.size === shares.length &&
        shares.every((share) => share.from === sender && share.to !== sender && ids.includes(share.to))
      );
    };
    this.maskingSet = ids.filter((id) => {
      const shares = sharesBySender.get(id);
      return shares !== undefined && wellFormed(id, shares);
    });
    if (this.maskingSet.length < roster.threshold) {
      throw dropoutError('sharing keys', this.maskingSet.length, roster.threshold, ids.length);
    }
    const sharesByRecipient = new Map<string, EncryptedShare[]>(this.maskingSet.map((id) => [id, []]));
    for (const sender of this.maskingSet) {
      for (const share of sharesBySender.get(sender) as EncryptedShare[]) sharesByRecipient.get(share.to)?.push(share);
    }
    return { maskingSet: [...this.maskingSet], sharesByRecipient };
  }

  /** After round 2: sums the masked inputs of U2 members; U3 is who sent one. Returns U3. */
  collectMaskedInputs(inputs: Map<string, Uint32Array>): string[] {
    const roster = this.requireRoster('collectMaskedInputs');
    if (this.maskingSet.length === 0)
      throw new TesseraError('E_SECURE_AGGREGATION_PHASE', 'routeShares must come first');
    this.survivors = this.maskingSet.filter((id) => inputs.get(id)?.length === this.vectorLength);
    if (this.survivors.length < roster.threshold) {
      throw dropoutError('collecting masked inputs', this.survivors.length, roster.threshold, roster.clients.length);
    }
    const sum = new Uint32Array(this.vectorLength);
    for (const id of this.survivors) {
      const input = inputs.get(id) as Uint32Array;
      for (let index = 0; index < sum.length; index++) sum[index] += input[index] as number;
    }
    this.maskedSum = sum;
    return [...this.survivors];
  }

  /**
   * After round 4: reconstructs b_v of every survivor and s_v^SK of every dropped client from the
   * responders' shares, removes the self masks and the dropped clients' pairwise masks, and
   * decodes the sum.
   */
  unmask(responses: Map<string, UnmaskingShares>): SecureAggregationResult {
    const roster = this.requireRoster('unmask');
    const maskedSum = this.maskedSum;
    if (maskedSum === undefined)
      throw new TesseraError('E_SECURE_AGGREGATION_PHASE', 'collectMaskedInputs must come first');
    const position = new Map(roster.clients.map((client, index) => [client.clientId, index + 1]));
    const responders = this.survivors.filter((id) => responses.get(id)?.clientId === id);
    if (responders.length < roster.threshold) {
      throw dropoutError('unmasking', responders.length, roster.threshold, roster.clients.length);
    }
    const alive = new Set(this.survivors);
    const dropped = this.maskingSet.filter((id) => !alive.has(id));
    const gather = (owner: string, kind: 'selfMaskSeedShares' | 'maskingKeyShares'): ShamirShare[] =>
      responders.flatMap((responder) => {
        const listed = (responses.get(responder) as UnmaskingShares)[kind];
        const share = Array.isArray(listed) ? listed.find((candidate) => candidate?.owner === owner) : undefined;
        // A responder's share of any secret sits at its own roster position.
        if (share === undefined || share.x !== position.get(responder) || !/^[0-9a-f]{1,131}$/i.test(String(share.y))) {
          return [];
        }
        return [{ x: share.x, y: BigInt(`0x${share.y}`) }];
      });
    const reconstruct = (owner: string, kind: 'selfMaskSeedShares' | 'maskingKeyShares'): Uint8Array => {
      const shares = gather(owner, kind);
      try {
        return bigIntToBytes(reconstructSecret(shares, roster.threshold), 32);
      } catch (error) {
        throw new TesseraError(
          'E_SECURE_AGGREGATION_RECONSTRUCTION',
          `could not reconstruct ${owner}'s ${kind === 'selfMaskSeedShares' ? 'self-mask seed' : 'masking key'} from ${shares.length} shares`,
          { cause: error },
        );
      }
    };

    const context = sessionContext(roster.session);
    const total = Uint32Array.from(maskedSum);
    for (const survivor of this.survivors) applyMask(total, reconstruct(survivor, 'selfMaskSeedShares'), -1);
    const keysOf = new Map(roster.clients.map((client) => [client.clientId, client]));
    for (const gone of dropped) {
      const privateKey = reconstruct(gone, 'maskingKeyShares');
      const advertised = decodeBase64Key(keysOf.get(gone)?.maskingPublicKey, `${gone}'s masking key`);
      if (encodeBase64(publicKeyOf(privateKey)) !== encodeBase64(advertised)) {
        throw new TesseraError(
          'E_SECURE_AGGREGATION_RECONSTRUCTION',
          `the reconstructed masking key of ${gone} does not match its advertised public key: a share was wrong`,
        );
      }
      for (const survivor of this.survivors) {
        const peerKey = decodeBase64Key(keysOf.get(survivor)?.maskingPublicKey, `${survivor}'s masking key`);
        const seed = deriveKey(agree(privateKey, peerKey), 'pairwise-mask', context);
        // The survivor added +PRG when its id sorts before the dropped client's, −PRG otherwise.
        applyMask(total, seed, compareIds(survivor, gone) < 0 ? -1 : 1);
      }
    }
    return { sum: decodeFixedPoint(total, this.fractionalBits), survivors: [...this.survivors], dropped };
  }

  private requireRoster(step: string): SecureAggregationRoster {
    if (this.roster === undefined) {
      throw new TesseraError('E_SECURE_AGGREGATION_PHASE', `${step} was called before createRoster`);
    }
    return this.roster;
  }
}
