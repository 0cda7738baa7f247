import { describe, expect, it } from 'vitest';
import { decodeFixedPoint, encodeFixedPoint, fixedPointRange } from './fixed-point.js';
import reference from './fixtures/reference-vectors.json' with { type: 'json' };
import { agree, deriveKey, generateKeyPair, publicKeyOf } from './key-agreement.js';
import { applyMask, expandMask } from './mask-expansion.js';
import { bigIntToBytes, bytesToBigInt, FIELD_PRIME, inverse } from './prime-field.js';
import { reconstructSecret, splitSecret } from './shamir.js';
import { openShares, sealShares } from './share-encryption.js';
import { seededRandomBytes } from './test-randomness.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('X25519 key agreement', () => {
  // RFC 7748 §6.1 test vectors.
  const alicePrivate = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPrivate = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('derives the RFC 7748 public keys and shared secret from raw keys', () => {
    expect(toHex(publicKeyOf(alicePrivate))).toBe(alicePublic);
    expect(toHex(publicKeyOf(bobPrivate))).toBe(bobPublic);
    expect(toHex(agree(alicePrivate, hex(bobPublic)))).toBe(shared);
    expect(toHex(agree(bobPrivate, hex(alicePublic)))).toBe(shared);
  });

  it('refuses a low-order public key (all-zero shared secret)', () => {
    expect(() => agree(alicePrivate, new Uint8Array(32))).toThrow(/E_SECURE_AGGREGATION_KEY/);
  });

  it('generates key pairs whose agreement is symmetric', () => {
    const random = seededRandomBytes('keys');
    const [left, right] = [generateKeyPair(random), generateKeyPair(random)];
    expect(toHex(agree(left.privateKey, right.publicKey))).toBe(toHex(agree(right.privateKey, left.publicKey)));
  });

  it('derives keys with HKDF-SHA256 as pyca/cryptography does', () => {
    const { sharedSecretHex, salt, info, keyHex } = reference.hkdf;
    expect(toHex(deriveKey(hex(sharedSecretHex), info, salt))).toBe(keyHex);
  });
});

describe('mask expansion (AES-256-CTR PRG)', () => {
  it('matches the pyca/cryptography keystream read as little-endian uint32 words', () => {
    const words = expandMask(hex(reference.maskExpansion.seedHex), 10);
    expect(Array.from(words)).toEqual(reference.maskExpansion.firstWords);
  });

  it('adds and subtracts masks modulo 2^32', () => {
    const seed = hex(reference.maskExpansion.seedHex);
    const target = Uint32Array.from([0, 1, 2, 0xffffffff]);
    applyMask(target, seed, 1);
    const mask = reference.maskExpansion.firstWords.slice(0, 4);
    expect(Array.from(target)).toEqual(
      [0, 1, 2, 0xffffffff].map((value, index) => (value + (mask[index] as number)) % 2 ** 32),
    );
    applyMask(target, seed, -1);
    expect(Array.from(target)).toEqual([0, 1, 2, 0xffffffff]);
  });
});

describe('share encryption (AES-256-GCM)', () => {
  const { keyHex, nonceHex, plaintext, associatedData, sealedHex } = reference.aesGcm;
  const fixedNonce = () => hex(nonceHex);

  it('seals exactly as pyca/cryptography and opens what it sealed', () => {
    const sealed = sealShares(hex(keyHex), Buffer.from(plaintext), associatedData, fixedNonce);
    expect(toHex(sealed)).toBe(sealedHex);
    expect(Buffer.from(openShares(hex(keyHex), sealed, associatedData)).toString()).toBe(plaintext);
  });

  it('rejects a flipped bit, other associated data (a rerouted share) and a wrong key', () => {
    const sealed = hex(sealedHex);
    const flipped = sealed.slice();
    flipped[14] = (flipped[14] as number) ^ 1;
    expect(() => openShares(hex(keyHex), flipped, associatedData)).toThrow(/E_SECURE_AGGREGATION_DECRYPT/);
    expect(() => openShares(hex(keyHex), sealed, 'session|a->c')).toThrow(/E_SECURE_AGGREGATION_DECRYPT/);
    expect(() => openShares(new Uint8Array(32), sealed, associatedData)).toThrow(/E_SECURE_AGGREGATION_DECRYPT/);
  });
});

describe('Shamir secret sharing over GF(2^521 − 1)', () => {
  const secret = BigInt(`0x${reference.shamir.secretHex}`);
  const shares = reference.shamir.shares.map((share) => ({ x: share.x, y: BigInt(`0x${share.y}`) }));

  it('recovers the secret from any 3 of the 5 shares of an independently computed polynomial', () => {
    for (const subset of [
      [0, 1, 2],
      [0, 2, 4],
      [4, 3, 1],
      [1, 2, 3],
    ]) {
      expect(
        reconstructSecret(
          subset.map((index) => shares[index]!),
          3,
        ),
      ).toBe(secret);
    }
    expect(reconstructSecret(shares, 3)).toBe(secret);
  });

  it('needs threshold shares, and catches an inconsistent (forged) share when it has more', () => {
    expect(() => reconstructSecret(shares.slice(0, 2), 3)).toThrow(/E_SHAMIR_SHARES: 2 shares cannot recover/);
    const forged = shares.map((share, index) => (index === 4 ? { x: share.x, y: share.y + 1n } : share));
    expect(() => reconstructSecret(forged, 3)).toThrow(/inconsistent/);
    expect(() => reconstructSecret([shares[0]!, shares[0]!, shares[1]!], 3)).toThrow(/distinct/);
  });

  it('splits secrets so that every threshold-sized subset agrees', () => {
    const random = seededRandomBytes('shamir');
    const key = bytesToBigInt(random(32));
    const split = splitSecret(key, { shareCount: 7, threshold: 4, randomBytes: random });
    expect(split.map((share) => share.x)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reconstructSecret(split.slice(3), 4)).toBe(key);
    expect(reconstructSecret(split, 4)).toBe(key);
    // With one share too few, interpolation gives an unrelated value.
    expect(reconstructSecret(split.slice(0, 3), 3)).not.toBe(key);
    expect(bigIntToBytes(key, 32)).toHaveLength(32);
  });

  it('computes field inverses', () => {
    for (const value of [2n, 3n, 12345678901234567890n, FIELD_PRIME - 1n]) {
      expect((value * inverse(value)) % FIELD_PRIME).toBe(1n);
    }
  });
});

describe('fixed-point encoding in Z_{2^32}', () => {
  it('round-trips within half a step', () => {
    const values = Float32Array.from([0, 1.5, -1.5, 1e-7, -2047.99, 2.71]);
    const decoded = decodeFixedPoint(encodeFixedPoint(values, 20), 20);
    for (const [index, value] of values.entries()) {
      // Half a fixed-point step, plus float32 rounding of the decoded value.
      expect(Math.abs((decoded[index] as number) - value)).toBeLessThanOrEqual(2 ** -21 + Math.abs(value) * 2 ** -24);
    }
  });

  it('decodes a sum of encodings to the sum within n · 2^−(f+1)', () => {
    const random = seededRandomBytes('fixed');
    const clients = 10;
    const length = 1000;
    const exact = new Float64Array(length);
    const sum = new Uint32Array(length);
    for (let client = 0; client < clients; client++) {
      const bytes = random(length);
      const values = Float32Array.from(bytes, (byte) => (byte - 128) / 100);
      for (const [index, value] of values.entries()) exact[index] = (exact[index] as number) + value;
      const encoded = encodeFixedPoint(values, 20);
      for (let index = 0; index < length; index++) sum[index] += encoded[index] as number;
    }
    const decoded = decodeFixedPoint(sum, 20);
    let worst = 0;
    for (let index = 0; index < length; index++) {
      worst = Math.max(worst, Math.abs((decoded[index] as number) - (exact[index] as number)));
    }
    // n rounding errors of at most 2^-21, plus float32 rounding of the decoded value (|sum| < 13).
    expect(worst).toBeLessThanOrEqual(clients * 2 ** -21 + 13 * 2 ** -24);
  });

  it('wraps around when a sum leaves ±2^(31−f): the documented bound is real', () => {
    expect(fixedPointRange(20)).toBe(2048);
    const half = encodeFixedPoint([1500], 20);
    const sum = Uint32Array.from([(half[0] as number) * 2]);
    expect(decodeFixedPoint(sum, 20)[0]).toBeCloseTo(3000 - 4096, 3);
  });

  it('rejects a value outside the range and non-finite values', () => {
    expect(() => encodeFixedPoint([2048], 20)).toThrow(/E_SECURE_AGGREGATION_RANGE: value 2048 at index 0/);
    expect(() => encodeFixedPoint([Number.NaN], 20)).toThrow(/E_SECURE_AGGREGATION_RANGE/);
  });
});
