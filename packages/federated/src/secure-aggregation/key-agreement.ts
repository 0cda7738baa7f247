import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import type { RandomBytes } from './prime-field.js';

/** An X25519 key pair as raw 32-byte strings (RFC 7748). */
export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

// DER prefixes that wrap a raw X25519 key as PKCS#8 (private) and SubjectPublicKeyInfo (public).
const PRIVATE_KEY_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const PUBLIC_KEY_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new TesseraError('E_SECURE_AGGREGATION_KEY', `${what} must be 32 bytes, got ${key?.length ?? typeof key}`);
  }
}

function privateKeyObject(privateKey: Uint8Array) {
  checkKey(privateKey, 'an X25519 private key');
  return createPrivateKey({ key: Buffer.concat([PRIVATE_KEY_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(publicKey: Uint8Array) {
  checkKey(publicKey, 'an X25519 public key');
  return createPublicKey({ key: Buffer.concat([PUBLIC_KEY_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** The public key of a raw private key (X25519 clamps the scalar, as RFC 7748 prescribes). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  const der = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(PUBLIC_KEY_PREFIX.length));
}

/** A fresh key pair from 32 random bytes. */
export function generateKeyPair(randomBytes: RandomBytes): KeyPair {
  const privateKey = randomBytes(32);
  return { privateKey, publicKey: publicKeyOf(privateKey) };
}

/**
 * The raw X25519 shared secret. An all-zero result means the peer sent a low-order point, which
 * would make the "secret" public: it is refused (RFC 7748 §6.1).
 */
export function agree(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  let secret: Uint8Array;
  try {
    secret = new Uint8Array(
      diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(peerPublicKey) }),
    );
  } catch (error) {
    // OpenSSL itself refuses low-order points ("failed during derivation").
    throw new TesseraError('E_SECURE_AGGREGATION_KEY', 'key agreement failed: the peer public key is invalid', {
      cause: error,
    });
  }
  if (secret.every((byte) => byte === 0)) {
    throw new TesseraError(
      'E_SECURE_AGGREGATION_KEY',
      'key agreement gave the all-zero secret: the peer public key is invalid',
    );
  }
  return secret;
}

/** HKDF-SHA256 (RFC 5869) of a shared secret into a 32-byte key for one purpose and context. */
export function deriveKey(sharedSecret: Uint8Array, purpose: string, context: string): Uint8Array {
  return new Uint8Array(
    hkdfSync('sha256', sharedSecret, Buffer.from(context, 'utf8'), Buffer.from(purpose, 'utf8'), 32),
  );
}
