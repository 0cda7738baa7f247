import type * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import { deserializeInt8Safetensors } from '../quantization/int8-safetensors.js';
import {
  EXPORT_CONFIG_FILE,
  EXPORT_MANIFEST_FILE,
  EXPORT_WEIGHTS_FILE,
  type ExportManifest,
  type ExportModelKind,
  parseExportManifest,
} from './export-manifest.js';
import { type ExportLocation, resolveExportSource } from './export-source.js';
import { sha256Hex } from './sha256.js';

/**
 * The reading half of exports. It imports no Node built-in (checksums via WebCrypto, files via an
 * `ExportSource`), so it runs, and bundles, in the browser as well as in Node.
 */

export interface ReadExportOptions {
  /** Fail with E_EXPORT_KIND unless the manifest's kind is one of these. */
  kinds?: readonly ExportModelKind[];
}

/** An export in memory. The caller owns `tensors` (float32 even when stored as int8) and must dispose them. */
export interface ExportContents<Config = unknown> {
  manifest: ExportManifest;
  config: Config;
  tensors: Record<string, tf.Tensor>;
  /** Every listed file but the weights and config, checksum-verified, by name. */
  files: Record<string, Uint8Array>;
  /** Where it was read from. */
  location: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a verified file as UTF-8 text, or as JSON when `json` is true. */
export function decodeExportFile(contents: ExportContents, name: string): string {
  const bytes = contents.files[name];
  if (bytes === undefined) {
    throw new TesseraError(
      'E_EXPORT_FILE',
      `the ${contents.manifest.kind} export at ${contents.location} has no file ${name}; re-export it with this Tessera version`,
    );
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TesseraError('E_EXPORT_FILE', `${name} in ${contents.location} is not UTF-8 text`);
  }
}

/** Parses a verified JSON file of the export. */
export function readExportJson<T>(contents: ExportContents, name: string): T {
  const text = decodeExportFile(contents, name);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TesseraError(
      'E_EXPORT_FILE',
      `${name} in ${contents.location} is not valid JSON (${(error as Error).message})`,
    );
  }
}

/** Reads just the manifest (e.g. to decide which loader to call). */
export async function readExportManifest(location: ExportLocation): Promise<ExportManifest> {
  const source = resolveExportSource(location);
  return parseExportManifest(utf8Decode(await source.read(EXPORT_MANIFEST_FILE), EXPORT_MANIFEST_FILE));
}

function utf8Decode(bytes: Uint8Array, name: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new TesseraError('E_EXPORT_MANIFEST', `${name} is not UTF-8 text`);
  }
}

/**
 * Reads an export (a directory path, a URL / base href, or any `ExportSource`): the manifest, then
 * every file it lists, each checked against its recorded size and SHA-256 before anything is
 * parsed (E_EXPORT_CHECKSUM names the file), then the config and the weights (int8 dequantized to
 * float32). Extra files in the directory are ignored; a listed file that is missing fails.
 */
export async function readExportDirectory<Config = unknown>(
  location: ExportLocation,
  options: ReadExportOptions = {},
): Promise<ExportContents<Config>> {
  const source = resolveExportSource(location);
  const manifest = parseExportManifest(utf8Decode(await source.read(EXPORT_MANIFEST_FILE), EXPORT_MANIFEST_FILE));
  if (options.kinds !== undefined && !options.kinds.includes(manifest.kind)) {
    throw new TesseraError(
      'E_EXPORT_KIND',
      `${source.location} holds a '${manifest.kind}' export; this loader reads ${options.kinds.map((kind) => `'${kind}'`).join(' or ')}`,
    );
  }
  const files: Record<string, Uint8Array> = {};
  for (const entry of manifest.files) {
    const bytes = await source.read(entry.path);
    if (bytes.length !== entry.bytes) {
      throw new TesseraError(
        'E_EXPORT_CHECKSUM',
        `${entry.path} in ${source.location} has ${bytes.length} bytes but the manifest records ${entry.bytes}; the export is truncated or was modified — copy it again`,
      );
    }
    const digest = await sha256Hex(bytes);
    if (digest !== entry.sha256) {
      throw new TesseraError(
        'E_EXPORT_CHECKSUM',
        `${entry.path} in ${source.location} has sha256 ${digest} but the manifest records ${entry.sha256}; the export is corrupt or was modified — copy it again`,
      );
    }
    Object.defineProperty(files, entry.path, { value: bytes, enumerable: true, writable: true, configurable: true });
  }
  const configBytes = files[EXPORT_CONFIG_FILE] as Uint8Array;
  const weightBytes = files[EXPORT_WEIGHTS_FILE] as Uint8Array;
  delete files[EXPORT_CONFIG_FILE];
  delete files[EXPORT_WEIGHTS_FILE];
  let config: Config;
  try {
    config = JSON.parse(utf8Decode(configBytes, EXPORT_CONFIG_FILE)) as Config;
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new TesseraError('E_EXPORT_FILE', `${EXPORT_CONFIG_FILE} in ${source.location} is not valid JSON`);
  }
  const { tensors } = deserializeInt8Safetensors(weightBytes);
  return { manifest, config, tensors, files, location: source.location };
}
