import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { serializeSafetensors } from '../checkpoint/safetensors-bytes.js';
import { TesseraError } from '../errors.js';
import {
  defaultQuantizationRule,
  type QuantizationRule,
  serializeInt8Safetensors,
} from '../quantization/int8-safetensors.js';
import {
  EXPORT_CONFIG_FILE,
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  EXPORT_MANIFEST_FILE,
  EXPORT_WEIGHTS_FILE,
  type ExportFileEntry,
  type ExportManifest,
  type ExportModelKind,
  isPlainFileName,
} from './export-manifest.js';
import { sha256Hex } from './sha256.js';

/** Node only: writing needs the file system. Reading lives in read-export-directory.ts. */

export interface WriteExportOptions {
  kind: ExportModelKind;
  /** The architecture, as JSON (stored as config.json). */
  config: unknown;
  /** The weights by name (a Module's `stateDict()`); they are read, not disposed. */
  tensors: Record<string, tf.Tensor>;
  /** Extra files by plain name: tokenizer, vocabulary, labels, preprocessing (strings are UTF-8). */
  files?: Record<string, Uint8Array | string>;
  /**
   * `'int8'` stores weights as int8 with per-channel scales (see `serializeInt8Safetensors`); a
   * rule picks tensors and channel axes (default: `defaultQuantizationRule`). Default: float32.
   */
  quantization?: 'int8' | { scheme: 'int8'; rule?: QuantizationRule } | undefined;
  /** The package writing the export (default `@tessera/core`). */
  producer?: { name: string; version: string };
  metadata?: Record<string, unknown>;
  /** Replace an existing export at `directory` (default false: fail with E_EXPORT_EXISTS). */
  overwrite?: boolean;
}

async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a self-contained export directory: `model.safetensors` (float32 or int8), `config.json`,
 * the extra files, and `tessera.json` listing them all with sizes and SHA-256. Everything is written
 * into a temporary sibling directory and renamed into place, so a crash never leaves a half export
 * at `directory`. Returns the manifest.
 */
export async function writeExportDirectory(directory: string, options: WriteExportOptions): Promise<ExportManifest> {
  const target = resolve(directory);
  const extra = Object.entries(options.files ?? {});
  for (const [name] of extra) {
    if (!isPlainFileName(name) || [EXPORT_MANIFEST_FILE, EXPORT_WEIGHTS_FILE, EXPORT_CONFIG_FILE].includes(name)) {
      throw new TesseraError(
        'E_EXPORT_FILE',
        `extra file name ${JSON.stringify(name)} is not allowed: use a plain name (letters, digits, . _ -) other than ${EXPORT_MANIFEST_FILE}, ${EXPORT_WEIGHTS_FILE} and ${EXPORT_CONFIG_FILE}`,
      );
    }
  }
  if (!options.overwrite && (await exists(target))) {
    throw new TesseraError(
      'E_EXPORT_EXISTS',
      `${target} already exists; choose a new directory or pass overwrite: true (--overwrite) to replace it`,
    );
  }
  let configText: string;
  try {
    configText = `${JSON.stringify(options.config, null, 2)}\n`;
  } catch (error) {
    throw new TesseraError('E_EXPORT_CONFIG', `the config cannot be written as JSON: ${(error as Error).message}`);
  }
  const quantization = options.quantization;
  let weights: Uint8Array;
  let quantizationSummary: ExportManifest['quantization'] = null;
  if (quantization === undefined) {
    weights = serializeSafetensors(options.tensors);
  } else {
    const rule =
      typeof quantization === 'object' ? (quantization.rule ?? defaultQuantizationRule) : defaultQuantizationRule;
    if ((typeof quantization === 'object' ? quantization.scheme : quantization) !== 'int8') {
      throw new TesseraError(
        'E_EXPORT_QUANTIZATION',
        `unknown quantization ${JSON.stringify(quantization)}; use 'int8'`,
      );
    }
    const result = serializeInt8Safetensors(options.tensors, rule);
    weights = result.bytes;
    quantizationSummary = result.summary;
  }
  const encoder = new TextEncoder();
  const contents: [string, Uint8Array][] = [
    [EXPORT_WEIGHTS_FILE, weights],
    [EXPORT_CONFIG_FILE, encoder.encode(configText)],
    ...extra.map(([name, value]): [string, Uint8Array] => [
      name,
      typeof value === 'string' ? encoder.encode(value) : value,
    ]),
  ];
  const files: ExportFileEntry[] = [];
  for (const [path, bytes] of contents) files.push({ path, bytes: bytes.length, sha256: await sha256Hex(bytes) });
  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    kind: options.kind,
    createdAt: new Date().toISOString(),
    producer: options.producer ?? { name: '@tessera/core', version: 'unknown' },
    tfjsVersion: tf.version_core,
    quantization: quantizationSummary,
    files,
    metadata: options.metadata ?? {},
  };
  await mkdir(dirname(target), { recursive: true });
  const suffix = globalThis.crypto.randomUUID().slice(0, 8);
  const staging = `${target}.tmp-${suffix}`;
  await mkdir(staging);
  try {
    for (const [path, bytes] of contents) await writeSynced(join(staging, path), bytes);
    await writeSynced(join(staging, EXPORT_MANIFEST_FILE), encoder.encode(`${JSON.stringify(manifest, null, 2)}\n`));
    if (await exists(target)) {
      // Swap: the old export moves aside before the new one takes its name, and is removed after.
      const retired = `${target}.old-${suffix}`;
      await rename(target, retired);
      await rename(staging, target);
      await rm(retired, { recursive: true, force: true });
    } else {
      await rename(staging, target);
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return manifest;
}

/**
 * The version of the package named `name` that `moduleUrl` belongs to, found by walking up to its
 * package.json (works from src/ in tests and from dist/ when published). 'unknown' if not found.
 */
export async function findPackageVersion(moduleUrl: string, name: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { fileURLToPath } = await import('node:url');
  let directory = dirname(fileURLToPath(moduleUrl));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const json = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (json.name === name && typeof json.version === 'string') return json.version;
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  return 'unknown';
}
