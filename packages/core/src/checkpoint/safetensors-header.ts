import { TesseraError } from '../errors.js';
import { isSafetensorsDtype, SAFETENSORS_DTYPE_SIZES, type SafetensorsDtype } from './safetensors-dtype.js';

/**
 * The safetensors container (https://github.com/huggingface/safetensors#format):
 *
 *   [8 bytes: N, u64 little-endian][N bytes: UTF-8 JSON header][byte buffer]
 *
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative
 * to the start of the byte buffer) plus an optional `"__metadata__": {string: string}`. This module
 * parses and validates headers and lays out new ones; the bytes and file modules share it.
 */

/** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Bytes of the little-endian u64 that precedes the header. */
export const SAFETENSORS_LENGTH_PREFIX_BYTES = 8;

const METADATA_KEY = '__metadata__';

/** One tensor as described by a safetensors header. */
export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** `[begin, end)` in bytes, relative to the start of the byte buffer (`byteBufferOffset`). */
  byteOffsets: [number, number];
}

/** A validated safetensors header: everything about a file except the tensor values. */
export interface SafetensorsHeader {
  /** Tensors in the order their bytes appear in the byte buffer. */
  tensors: SafetensorsTensorInfo[];
  /** The `__metadata__` string map (empty when the file has none). */
  metadata: Record<string, string>;
  /** N: the JSON header's length in bytes, padding included. */
  headerByteLength: number;
  /** Where the byte buffer starts in the file: 8 + N. Add it to `byteOffsets` for file positions. */
  byteBufferOffset: number;
  /** Length of the byte buffer; every byte belongs to exactly one tensor. */
  byteBufferLength: number;
}

const fail = (code: `E_SAFETENSORS_${string}`, detail: string): never => {
  throw new TesseraError(code, detail);
};

/**
 * Reads N from the first 8 bytes and checks that the header fits in a source of
 * `totalByteLength` bytes, before anything is allocated for it.
 */
export function parseHeaderLength(prefix: Uint8Array, totalByteLength: number): number {
  if (totalByteLength < SAFETENSORS_LENGTH_PREFIX_BYTES || prefix.length < SAFETENSORS_LENGTH_PREFIX_BYTES) {
    fail(
      'E_SAFETENSORS_HEADER',
      `input is ${totalByteLength} bytes, too short for the 8-byte header length; it is not a safetensors file or was truncated`,
    );
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  const available = BigInt(totalByteLength - SAFETENSORS_LENGTH_PREFIX_BYTES);
  if (length > available) {
    fail(
      'E_SAFETENSORS_HEADER',
      `header length ${length} exceeds file size ${totalByteLength} (${available} bytes follow the length prefix); the file is truncated or not safetensors`,
    );
  }
  if (length > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    fail(
      'E_SAFETENSORS_HEADER',
      `header length ${length} is above the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit for safetensors headers; the file is corrupt or not safetensors`,
    );
  }
  return Number(length);
}

// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: keep a BOM so JSON.parse rejects it,
// as the reference implementation does.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses and validates the N header bytes of a source of `totalByteLength` bytes: every tensor
 * has a known dtype, a shape whose size matches its byte range, and the ranges tile the byte
 * buffer exactly (no gap, no overlap, nothing out of range), as the reference implementation
 * requires. Throws `TesseraError` with an `E_SAFETENSORS_*` code otherwise.
 */
export function parseHeader(headerBytes: Uint8Array, totalByteLength: number): SafetensorsHeader {
  let text: string;
  let parsed: unknown;
  try {
    text = utf8Decoder.decode(headerBytes);
  } catch {
    return fail('E_SAFETENSORS_JSON', `header (${headerBytes.length} bytes) is not valid UTF-8; the file is corrupt`);
  }
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(
      'E_SAFETENSORS_JSON',
      `header (${headerBytes.length} bytes) is not valid JSON (${(error as Error).message}); the file is corrupt`,
    );
  }
  if (!isPlainObject(parsed)) {
    return fail(
      'E_SAFETENSORS_HEADER',
      `header must be a JSON object mapping tensor names to {dtype, shape, data_offsets}, got ${describe(parsed)}`,
    );
  }
  const headerByteLength = headerBytes.length;
  const byteBufferOffset = SAFETENSORS_LENGTH_PREFIX_BYTES + headerByteLength;
  const byteBufferLength = totalByteLength - byteBufferOffset;
  const tensors: SafetensorsTensorInfo[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === METADATA_KEY) metadata = parseMetadata(entry);
    else tensors.push(parseTensorEntry(name, entry, byteBufferLength));
  }
  tensors.sort((a, b) => a.byteOffsets[0] - b.byteOffsets[0] || a.byteOffsets[1] - b.byteOffsets[1]);
  checkTiling(tensors, byteBufferLength);
  return { tensors, metadata, headerByteLength, byteBufferOffset, byteBufferLength };
}

function parseMetadata(entry: unknown): Record<string, string> {
  if (entry === null) return {};
  if (!isPlainObject(entry)) {
    return fail('E_SAFETENSORS_HEADER', `__metadata__ must be an object of strings, got ${describe(entry)}`);
  }
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') {
      fail('E_SAFETENSORS_HEADER', `__metadata__ value for '${key}' must be a string, got ${describe(value)}`);
    }
  }
  // fromEntries defines own properties, so a key such as "__proto__" cannot reach a prototype.
  return Object.fromEntries(Object.entries(entry)) as Record<string, string>;
}

function parseTensorEntry(name: string, entry: unknown, byteBufferLength: number): SafetensorsTensorInfo {
  if (!isPlainObject(entry)) {
    return fail(
      'E_SAFETENSORS_HEADER',
      `header entry '${name}' must be an object {dtype, shape, data_offsets}, got ${describe(entry)}`,
    );
  }
  const { dtype, shape, data_offsets: offsets } = entry;
  if (!isSafetensorsDtype(dtype)) {
    return fail(
      'E_SAFETENSORS_DTYPE',
      `tensor '${name}' has unknown dtype ${describe(dtype)}; known: ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')}`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    return fail(
      'E_SAFETENSORS_SHAPE',
      `tensor '${name}' has shape ${describe(shape)}; a shape must be an array of non-negative integers`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    return fail(
      'E_SAFETENSORS_OFFSETS',
      `tensor '${name}' has data_offsets ${describe(offsets)}; expected [begin, end] as two non-negative integers`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    fail('E_SAFETENSORS_OFFSETS', `tensor '${name}' has data_offsets [${begin}, ${end}] with begin > end`);
  }
  if (end > byteBufferLength) {
    fail(
      'E_SAFETENSORS_OFFSETS',
      `tensor '${name}' ends at byte ${end}, beyond the ${byteBufferLength}-byte data buffer; the file is truncated or its header is corrupt`,
    );
  }
  // BigInt: a corrupt shape's product can pass 2^53 and compare equal by rounding.
  const elements = (shape as number[]).reduce((product, dimension) => product * BigInt(dimension), 1n);
  const expectedBytes = elements * BigInt(SAFETENSORS_DTYPE_SIZES[dtype]);
  if (expectedBytes !== BigInt(end - begin)) {
    fail(
      'E_SAFETENSORS_SHAPE',
      `tensor '${name}' has shape [${shape.join(', ')}] × ${dtype} (${SAFETENSORS_DTYPE_SIZES[dtype]} bytes) = ${expectedBytes} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], byteOffsets: [begin, end] };
}

/** `tensors` sorted by offset must cover [0, byteBufferLength) back to back. */
function checkTiling(tensors: SafetensorsTensorInfo[], byteBufferLength: number): void {
  let covered = 0;
  let previous = '';
  for (const { name, byteOffsets } of tensors) {
    const [begin, end] = byteOffsets;
    if (begin < covered) {
      fail(
        'E_SAFETENSORS_OFFSETS',
        `tensor '${name}' [${begin}, ${end}] overlaps tensor '${previous}', which ends at ${covered}`,
      );
    }
    if (begin > covered) {
      fail(
        'E_SAFETENSORS_OFFSETS',
        `bytes [${covered}, ${begin}) of the data buffer belong to no tensor (gap before '${name}'); the header is corrupt`,
      );
    }
    covered = end;
    previous = name;
  }
  if (covered !== byteBufferLength) {
    fail(
      'E_SAFETENSORS_OFFSETS',
      `tensors cover ${covered} bytes but the data buffer holds ${byteBufferLength}; ${byteBufferLength - covered} trailing bytes belong to no tensor`,
    );
  }
}

/** A tensor to lay out in a new file: its name, storage dtype and shape. */
export interface TensorLayoutEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

/** The bytes that precede the byte buffer (length prefix + padded header) and where each tensor goes. */
export interface SafetensorsLayout {
  prefix: Uint8Array;
  /** Tensors in write order, with their byte ranges. */
  tensors: SafetensorsTensorInfo[];
  byteBufferLength: number;
}

const utf8Encoder = new TextEncoder();

function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Lays out a file the way the reference implementation does: tensors sorted by element size
 * descending, then by name (UTF-8 byte order), so with the header padded to a multiple of 8 every
 * tensor starts aligned to its element size and the same input always gives the same bytes.
 * The header is compact JSON: `__metadata__` first (keys sorted; omitted when empty), then the
 * tensors in write order, padded with spaces (0x20) to a multiple of 8 bytes.
 */
export function layoutSafetensors(entries: TensorLayoutEntry[], metadata: Record<string, string>): SafetensorsLayout {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      fail('E_SAFETENSORS_HEADER', `metadata value for '${key}' must be a string, got ${describe(value)}`);
    }
  }
  const keyed = entries.map((entry) => ({ entry, key: utf8Encoder.encode(entry.name) }));
  keyed.sort(
    (a, b) =>
      SAFETENSORS_DTYPE_SIZES[b.entry.dtype] - SAFETENSORS_DTYPE_SIZES[a.entry.dtype] || compareUtf8(a.key, b.key),
  );
  const header: Record<string, unknown> = {};
  const metadataKeys = Object.keys(metadata).sort();
  if (metadataKeys.length > 0) header[METADATA_KEY] = Object.fromEntries(metadataKeys.map((k) => [k, metadata[k]]));
  const tensors: SafetensorsTensorInfo[] = [];
  let offset = 0;
  for (const { entry } of keyed) {
    if (entry.name === METADATA_KEY) {
      fail('E_SAFETENSORS_HEADER', `'${METADATA_KEY}' is reserved for metadata and cannot name a tensor; rename it`);
    }
    const size =
      entry.shape.reduce((product, dimension) => product * dimension, 1) * SAFETENSORS_DTYPE_SIZES[entry.dtype];
    const info: SafetensorsTensorInfo = { ...entry, shape: [...entry.shape], byteOffsets: [offset, offset + size] };
    tensors.push(info);
    // defineProperty: a tensor named "__proto__" must become a key, not replace the prototype.
    Object.defineProperty(header, entry.name, {
      value: { dtype: info.dtype, shape: info.shape, data_offsets: info.byteOffsets },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    offset += size;
  }
  const json = utf8Encoder.encode(JSON.stringify(header));
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const prefix = new Uint8Array(SAFETENSORS_LENGTH_PREFIX_BYTES + padded).fill(0x20, 8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true);
  prefix.set(json, SAFETENSORS_LENGTH_PREFIX_BYTES);
  return { prefix, tensors, byteBufferLength: offset };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A short rendering of an unexpected JSON value for an error message. Shallow on purpose: a header
 * may nest arrays thousands deep, and JSON.stringify would overflow the stack on it.
 */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  const text = preview(value, 2);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function preview(value: unknown, depth: number): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? String(value);
  if (depth === 0) return Array.isArray(value) ? '[...]' : '{...}';
  if (Array.isArray(value)) {
    const items = value.slice(0, 8).map((item) => preview(item, depth - 1));
    return `[${items.join(',')}${value.length > 8 ? ',...' : ''}]`;
  }
  const entries = Object.entries(value).slice(0, 8);
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${preview(item, depth - 1)}`).join(',')}}`;
}
