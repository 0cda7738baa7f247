import { TesseraError } from '@tessera/core';
import { checkFractionalBits, DEFAULT_FRACTIONAL_BITS, encodeFixedPoint } from './fixed-point.js';
import { agree, deriveKey, generateKeyPair, type KeyPair } from './key-agreement.js';
import { applyMask } from './mask-expansion.js';
import { bytesToBigInt, type RandomBytes, secureRandomBytes } from './prime-field.js';
import {
  type AdvertisedKeys,
  compareIds,
  decodeBase64Key,
  type EncryptedShare,
  encodeBase64,
  type RevealedShare,
  type SecureAggregationRoster,
  sessionContext,
  type UnmaskingShares,
} from './protocol-messages.js';
import { type ShamirShare, splitSecret } from './shamir.js';
import { openShares, sealShares } from './share-encryption.js';

export interface SecureAggregationClientOptions {
  clientId: string;
  /** Fractional bits of the fixed-point encoding (default 20; see `encodeFixedPoint`). */
  fractionalBits?: number;
  /** Randomness for keys, seeds, polynomials and nonces (default: node:crypto; seeded only in tests). */
  randomBytes?: RandomBytes;
}

/** The pair of secret shares one client holds for a peer (or for itself). */
interface HeldShares {
  x: number;
  maskingKey: bigint;
  selfMaskSeed: bigint;
}

type Phase = 'created' | 'advertised' | 'shared' | 'masked' | 'finished';

/**
 * One client's side of secure aggregation (Bonawitz et al., CCS 2017, the semi-honest protocol:
 * rounds 0 AdvertiseKeys, 1 ShareKeys, 2 MaskedInputCollection, 4 Unmasking). Each instance
 * serves one aggregation and must be driven in that order:
 *
 *   advertiseKeys → shareKeys(roster) → maskInput(input, shares, maskingSet) → unmask(survivors)
 *
 * The masked input is x_u + PRG(b_u) + Σ_{v>u} PRG(s_u,v) − Σ_{v<u} PRG(s_u,v) over Z_{2^32}:
 * the pairwise masks cancel in the sum over all clients and the self mask PRG(b_u) hides x_u
 * even from a server that later learns the pairwise masks of a client it claims dropped out.
 * In `unmask` the client itself splits the masking set into survivors and dropped clients and
 * reveals only b-shares for the former and s-shares for the latter, so it never hands over both
 * secrets of one peer.
 */
export class SecureAggregationClient {
  readonly clientId: string;
  readonly fractionalBits: number;
  private readonly randomBytes: RandomBytes;
  private phase: Phase = 'created';
  private encryptionKeys: KeyPair | undefined;
  private maskingKeys: KeyPair | undefined;
  private selfMaskSeed: Uint8Array | undefined;
  private roster: SecureAggregationRoster | undefined;
  private maskingSet: string[] = [];
  private readonly heldShares = new Map<string, HeldShares>();

  constructor(options: SecureAggregationClientOptions) {
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw new TesseraError('E_SECURE_AGGREGATION_OPTIONS', 'clientId must be a non-empty string');
    }
    this.clientId = options.clientId;
    this.fractionalBits = checkFractionalBits(options.fractionalBits ?? DEFAULT_FRACTIONAL_BITS);
    this.randomBytes = options.randomBytes ?? secureRandomBytes;
  }

  private expectPhase(expected: Phase, step: string): void {
    if (this.phase !== expected) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_PHASE',
        `${step} was called in phase '${this.phase}'; the order is advertiseKeys, shareKeys, maskInput, unmask`,
      );
    }
  }

  /** Round 0: two fresh key pairs, their public halves to advertise. */
  advertiseKeys(): AdvertisedKeys {
    this.expectPhase('created', 'advertiseKeys');
    this.encryptionKeys = generateKeyPair(this.randomBytes);
    this.maskingKeys = generateKeyPair(this.randomBytes);
    this.phase = 'advertised';
    return {
      clientId: this.clientId,
      encryptionPublicKey: encodeBase64(this.encryptionKeys.publicKey),
      maskingPublicKey: encodeBase64(this.maskingKeys.publicKey),
    };
  }

  /**
   * Round 1: draws the self-mask seed b_u, Shamir-shares b_u and the masking private key s_u^SK
   * among the roster (U1), and encrypts each peer's pair of shares to that peer.
   */
  shareKeys(roster: SecureAggregationRoster): EncryptedShare[] {
    this.expectPhase('advertised', 'shareKeys');
    const encryptionKeys = this.encryptionKeys as KeyPair;
    const maskingKeys = this.maskingKeys as KeyPair;
    const ids = roster.clients.map((client) => client.clientId);
    const position = ids.indexOf(this.clientId);
    const own = roster.clients[position];
    if (
      own === undefined ||
      own.encryptionPublicKey !== encodeBase64(encryptionKeys.publicKey) ||
      own.maskingPublicKey !== encodeBase64(maskingKeys.publicKey)
    ) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_ROSTER',
        `the roster does not list ${this.clientId} with its own keys`,
      );
    }
    if (
      new Set(ids).size !== ids.length ||
      ids.some((id, index) => index > 0 && compareIds(ids[index - 1] as string, id) >= 0)
    ) {
      throw new TesseraError('E_SECURE_AGGREGATION_ROSTER', 'roster ids must be unique and sorted');
    }
    const keyStrings = roster.clients.flatMap((client) => [client.encryptionPublicKey, client.maskingPublicKey]);
    if (new Set(keyStrings).size !== keyStrings.length) {
      throw new TesseraError('E_SECURE_AGGREGATION_ROSTER', 'the roster repeats a public key');
    }
    if (
      ids.length < 2 ||
      !Number.isSafeInteger(roster.threshold) ||
      roster.threshold <= ids.length / 2 ||
      roster.threshold > ids.length
    ) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_ROSTER',
        `threshold ${roster.threshold} for ${ids.length} clients must be a strict majority (and there must be at least 2 clients)`,
      );
    }
    this.roster = roster;
    this.selfMaskSeed = this.randomBytes(32);
    const random = { shareCount: ids.length, threshold: roster.threshold, randomBytes: this.randomBytes };
    const maskingKeyShares = splitSecret(bytesToBigInt(maskingKeys.privateKey), random);
    const selfMaskSeedShares = splitSecret(bytesToBigInt(this.selfMaskSeed), random);
    const context = sessionContext(roster.session);
    const encrypted: EncryptedShare[] = [];
    roster.clients.forEach((peer, index) => {
      const shares: HeldShares = {
        x: index + 1,
        maskingKey: (maskingKeyShares[index] as ShamirShare).y,
        selfMaskSeed: (selfMaskSeedShares[index] as ShamirShare).y,
      };
      if (peer.clientId === this.clientId) {
        this.heldShares.set(this.clientId, shares);
        return;
      }
      const key = deriveKey(
        agree(
          encryptionKeys.privateKey,
          decodeBase64Key(peer.encryptionPublicKey, `${peer.clientId}'s encryption key`),
        ),
        'share-encryption',
        context,
      );
      const plaintext = JSON.stringify({
        from: this.clientId,
        to: peer.clientId,
        x: shares.x,
        maskingKey: shares.maskingKey.toString(16),
        selfMaskSeed: shares.selfMaskSeed.toString(16),
      });
      const sealed = sealShares(
        key,
        Buffer.from(plaintext, 'utf8'),
        `${context}|${this.clientId}->${peer.clientId}`,
        this.randomBytes,
      );
      encrypted.push({ from: this.clientId, to: peer.clientId, ciphertext: encodeBase64(sealed) });
    });
    this.phase = 'shared';
    return encrypted;
  }

  /**
   * Round 2: decrypts the shares addressed to this client by every other member of the masking
   * set U2 (the clients whose shares the server delivered), then masks the fixed-point encoded
   * input. Returns y_u over Z_{2^32}.
   */
  maskInput(input: ArrayLike<number>, shares: EncryptedShare[], maskingSet: string[]): Uint32Array {
    this.expectPhase('shared', 'maskInput');
    const roster = this.roster as SecureAggregationRoster;
    const byId = new Map(roster.clients.map((client) => [client.clientId, client]));
    const members = new Set(maskingSet);
    if (members.size !== maskingSet.length || maskingSet.some((id) => !byId.has(id)) || !members.has(this.clientId)) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_ROSTER',
        `the masking set must list distinct roster members including ${this.clientId}`,
      );
    }
    if (members.size < roster.threshold) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_DROPOUTS',
        `only ${members.size} clients shared keys; at least ${roster.threshold} are needed to continue`,
      );
    }
    const context = sessionContext(roster.session);
    const encryptionKeys = this.encryptionKeys as KeyPair;
    const received = new Map<string, EncryptedShare>();
    for (const share of shares) {
      if (share.to !== this.clientId || !members.has(share.from) || received.has(share.from)) {
        throw new TesseraError('E_SECURE_AGGREGATION_SHARES', `unexpected share from ${share.from} to ${share.to}`);
      }
      received.set(share.from, share);
    }
    for (const peer of maskingSet) {
      if (peer === this.clientId) continue;
      const share = received.get(peer);
      if (share === undefined) {
        throw new TesseraError('E_SECURE_AGGREGATION_SHARES', `no share from ${peer}, which is in the masking set`);
      }
      const peerKeys = byId.get(peer) as AdvertisedKeys;
      const key = deriveKey(
        agree(encryptionKeys.privateKey, decodeBase64Key(peerKeys.encryptionPublicKey, `${peer}'s encryption key`)),
        'share-encryption',
        context,
      );
      const plaintext = openShares(
        key,
        Buffer.from(share.ciphertext, 'base64'),
        `${context}|${peer}->${this.clientId}`,
      );
      const parsed = JSON.parse(Buffer.from(plaintext).toString('utf8')) as Record<string, unknown>;
      if (
        parsed.from !== peer ||
        parsed.to !== this.clientId ||
        parsed.x !== roster.clients.findIndex((c) => c.clientId === this.clientId) + 1
      ) {
        throw new TesseraError('E_SECURE_AGGREGATION_SHARES', `the share from ${peer} names the wrong parties`);
      }
      this.heldShares.set(peer, {
        x: parsed.x as number,
        maskingKey: BigInt(`0x${parsed.maskingKey as string}`),
        selfMaskSeed: BigInt(`0x${parsed.selfMaskSeed as string}`),
      });
    }

    const masked = encodeFixedPoint(input, this.fractionalBits);
    applyMask(masked, this.selfMaskSeed as Uint8Array, 1);
    const maskingKeys = this.maskingKeys as KeyPair;
    for (const peer of maskingSet) {
      if (peer === this.clientId) continue;
      const peerKey = decodeBase64Key((byId.get(peer) as AdvertisedKeys).maskingPublicKey, `${peer}'s masking key`);
      const seed = deriveKey(agree(maskingKeys.privateKey, peerKey), 'pairwise-mask', context);
      applyMask(masked, seed, compareIds(this.clientId, peer) < 0 ? 1 : -1);
    }
    this.maskingSet = [...maskingSet];
    this.phase = 'masked';
    return masked;
  }

  /**
   * Round 4: given the survivors U3 (clients whose masked input reached the server), reveals
   * shares of b_v for every survivor and of s_v^SK for every client of U2 that dropped out.
   */
  unmask(survivors: string[]): UnmaskingShares {
    this.expectPhase('masked', 'unmask');
    const roster = this.roster as SecureAggregationRoster;
    const alive = new Set(survivors);
    if (
      alive.size !== survivors.length ||
      survivors.some((id) => !this.maskingSet.includes(id)) ||
      !alive.has(this.clientId)
    ) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_ROSTER',
        `survivors must be distinct members of the masking set, including ${this.clientId}`,
      );
    }
    if (alive.size < roster.threshold) {
      throw new TesseraError(
        'E_SECURE_AGGREGATION_DROPOUTS',
        `only ${alive.size} clients sent masked inputs; at least ${roster.threshold} are needed`,
      );
    }
    const reveal = (owner: string, pick: (held: HeldShares) => bigint): RevealedShare => {
      const held = this.heldShares.get(owner) as HeldShares;
      return { owner, x: held.x, y: pick(held).toString(16) };
    };
    const result: UnmaskingShares = {
      clientId: this.clientId,
      selfMaskSeedShares: this.maskingSet
        .filter((id) => alive.has(id))
        .map((id) => reveal(id, (held) => held.selfMaskSeed)),
      maskingKeyShares: this.maskingSet
        .filter((id) => !alive.has(id))
        .map((id) => reveal(id, (held) => held.maskingKey)),
    };
    this.phase = 'finished';
    // The secrets are no longer needed; drop them so a later bug cannot leak them.
    this.heldShares.clear();
    this.selfMaskSeed = undefined;
    return result;
  }
}
