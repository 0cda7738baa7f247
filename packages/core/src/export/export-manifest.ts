import { TesseraError } from '../errors.js';
import { INT8_QUANTIZATION_SCHEME, type QuantizationSummary } from '../quantization/int8-safetensors.js';

/**
 * The manifest of an export directory (`tessera.json`): what model it is, who wrote it with which
 * engine, how the weights are stored, and every other file with its size and SHA-256, so a reader
 * (Node or browser) can refuse a truncated, tampered or mismatched export before building a model.
 */

export const EXPORT_MANIFEST_FILE = 'tessera.json';
export const EXPORT_WEIGHTS_FILE = 'model.safetensors';
export const EXPORT_CONFIG_FILE = 'config.json';
export const EXPORT_FORMAT = 'tessera-export';
export const EXPORT_FORMAT_VERSION = 1;

/**
 * The model kind an export holds (`gpt`, `image-classifier`, …): any name a package registered with
 * `registerExportKind`; `listExportKinds()` lists those loaded. Core names none itself.
 */
export type ExportModelKind = string;

export interface ExportFileEntry {
  /** A plain file name inside the export directory (no folders, no leading dot). */
  path: string;
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface ExportManifest {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  kind: ExportModelKind;
  /** ISO 8601 time the export was written. */
  createdAt: string;
  /** The package that wrote it, e.g. `{ name: '@tessera/transformer', version: '0.3.0' }`. */
  producer: { name: string; version: string };
  /** tfjs-core's version at export time. */
  tfjsVersion: string;
  /** How the weights in `model.safetensors` are quantized, or null for float32 weights. */
  quantization: QuantizationSummary | null;
  /** Every file but the manifest itself, weights and config included. */
  files: ExportFileEntry[];
  /** Free-form facts for people and servers (e.g. training metrics); never needed to load. */
  metadata: Record<string, unknown>;
}

const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** True for names safe to join to a directory or a base URL: no separators, no `..`, no dotfiles. */
export function isPlainFileName(name: string): boolean {
  return FILE_NAME.test(name) && !name.includes('..');
}

function invalid(detail: string): never {
  throw new TesseraError('E_EXPORT_MANIFEST', `${EXPORT_MANIFEST_FILE} ${detail}; re-export the model`);
}

/** Parses and checks a manifest's JSON text; the result is safe to trust structurally. */
export function parseExportManifest(text: string): ExportManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    invalid(`is not valid JSON (${(error as Error).message})`);
  }
  const manifest = value as Partial<ExportManifest>;
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== EXPORT_FORMAT) {
    invalid(`does not describe a Tessera export (expected "format": "${EXPORT_FORMAT}")`);
  }
  if (manifest.formatVersion !== EXPORT_FORMAT_VERSION) {
    throw new TesseraError(
      'E_EXPORT_VERSION',
      `export format version ${String(manifest.formatVersion)} is not supported by this Tessera (reads version ${EXPORT_FORMAT_VERSION}); upgrade Tessera or re-export with this version`,
    );
  }
  if (typeof manifest.kind !== 'string' || manifest.kind.length === 0) invalid('has no model "kind"');
  if (!Array.isArray(manifest.files)) invalid('has no "files" list');
  const seen = new Set<string>();
  for (const entry of manifest.files) {
    const file = entry as Partial<ExportFileEntry>;
    if (typeof file?.path !== 'string' || !isPlainFileName(file.path) || file.path === EXPORT_MANIFEST_FILE) {
      invalid(`lists an unsafe or invalid file name ${JSON.stringify(file?.path)}`);
    }
    if (seen.has(file.path)) invalid(`lists ${file.path} twice`);
    seen.add(file.path);
    if (!Number.isSafeInteger(file.bytes) || (file.bytes as number) < 0) invalid(`gives ${file.path} no valid size`);
    if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) {
      invalid(`gives ${file.path} no valid sha256`);
    }
  }
  checkQuantization(manifest.quantization);
  for (const required of [EXPORT_WEIGHTS_FILE, EXPORT_CONFIG_FILE]) {
    if (!seen.has(required)) invalid(`does not list ${required}`);
  }
  return {
    ...manifest,
    producer: manifest.producer ?? { name: 'unknown', version: 'unknown' },
    quantization: manifest.quantization ?? null,
    metadata: manifest.metadata ?? {},
  } as ExportManifest;
}

/** null (float32 weights) or the summary the int8 writer records: anything else is refused. */
function checkQuantization(quantization: unknown): void {
  if (quantization === undefined || quantization === null) return;
  const summary = quantization as Partial<QuantizationSummary>;
  if (typeof summary !== 'object' || summary.scheme !== INT8_QUANTIZATION_SCHEME) {
    invalid(
      `has "quantization" ${JSON.stringify(quantization).slice(0, 60)}; expected null or {"scheme": "${INT8_QUANTIZATION_SCHEME}", "tensors": {...}}`,
    );
  }
  if (typeof summary.tensors !== 'object' || summary.tensors === null || Array.isArray(summary.tensors)) {
    invalid('has a "quantization" with no "tensors" object naming the int8 tensors');
  }
  for (const [name, entry] of Object.entries(summary.tensors)) {
    const { axis, shape } = (entry ?? {}) as { axis?: unknown; shape?: unknown };
    const validShape = Array.isArray(shape) && shape.every((size) => Number.isSafeInteger(size) && size >= 0);
    if (!Number.isSafeInteger(axis) || (axis as number) < 0 || !validShape || (axis as number) >= shape.length) {
      invalid(`gives int8 tensor '${name}' no valid {axis, shape}`);
    }
  }
}
