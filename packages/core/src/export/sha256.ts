import { TesseraError } from '../errors.js';

/**
 * SHA-256 through WebCrypto (`globalThis.crypto.subtle`), which Node ≥ 20 and every browser
 * provide, so checksums need no Node built-in and the export reader bundles for the browser.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new TesseraError(
      'E_EXPORT_CRYPTO',
      'WebCrypto (globalThis.crypto.subtle) is unavailable; browsers expose it only in secure contexts (https or localhost), Node from version 20',
    );
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
