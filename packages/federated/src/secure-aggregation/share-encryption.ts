import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TesseraError } from '@tessera/core';
import type { RandomBytes } from './prime-field.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM authenticated encryption of the shares one client sends another through the
 * server. `associatedData` (sender, recipient, session) is authenticated but not encrypted, so a
 * server that reroutes or replays a ciphertext is caught. Output: nonce ‖ ciphertext ‖ tag.
 */
export function sealShares(
  key: Uint8Array,
  plaintext: Uint8Array,
  associatedData: string,
  randomBytes: RandomBytes,
): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, body, cipher.getAuthTag()]));
}

/** Decrypts and authenticates what `sealShares` produced; any tampering throws E_SECURE_AGGREGATION_DECRYPT. */
export function openShares(key: Uint8Array, sealed: Uint8Array, associatedData: string): Uint8Array {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new TesseraError('E_SECURE_AGGREGATION_DECRYPT', `a sealed share of ${sealed.length} bytes is too short`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return new Uint8Array(
      Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]),
    );
  } catch (error) {
    throw new TesseraError(
      'E_SECURE_AGGREGATION_DECRYPT',
      `a share failed authentication (${associatedData}): it was altered, misrouted or encrypted under another key`,
      { cause: error },
    );
  }
}
