import buffer from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import { TesseraError } from '@tessera/core';

/** The element types the IDX format defines (Y. LeCun's MNIST page). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Each IDX element type by its type byte, with its size in bytes. */
const IDX_TYPES = {
  8: { dtype: 'uint8', size: 1 },
  9: { dtype: 'int8', size: 1 },
  11: { dtype: 'int16', size: 2 },
  12: { dtype: 'int32', size: 4 },
  13: { dtype: 'float32', size: 4 },
  14: { dtype: 'float64', size: 8 },
} as const satisfies Record<number, { dtype: IdxDtype; size: number }>;

export interface IdxArray {
  dtype: IdxDtype;
  /** e.g. [60000, 28, 28] for MNIST's training images, [60000] for its labels. */
  shape: number[];
  /** Row-major values in native byte order (IDX stores them big-endian). */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/**
 * Parses an IDX file (the MNIST / Fashion-MNIST / EMNIST format): two zero bytes, a type byte,
 * the number of dimensions, each dimension as a big-endian uint32, then the values big-endian.
 * A wrong magic, a header or body shorter than the dimensions promise, or bytes left over after
 * them are errors (`E_IDX_MAGIC`, `E_IDX_TRUNCATED`, `E_IDX_TRAILING_BYTES`) naming `source`.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length < 4) {
    throw new TesseraError('E_IDX_TRUNCATED', `${source} has ${bytes.length} bytes, fewer than the 4-byte IDX magic`);
  }
  const typeByte = bytes[2] as number;
  const type = IDX_TYPES[typeByte as keyof typeof IDX_TYPES];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    const magic = Array.from(bytes.subarray(0, 4), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    throw new TesseraError(
      'E_IDX_MAGIC',
      `${source} does not start with an IDX magic number (00 00 <type> <dims>, type one of 08 09 0b 0c 0d 0e); ` +
        `got ${magic}. Is it gzipped with another extension, or not an IDX file?`,
    );
  }
  const rank = bytes[3] as number;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new TesseraError(
      'E_IDX_TRUNCATED',
      `${source} declares ${rank} dimensions (a ${headerLength}-byte header) but has only ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, axis) => view.getUint32(4 + 4 * axis, false));
  const count = shape.reduce((product, size) => product * size, 1);
  const expected = headerLength + count * type.size;
  if (bytes.length < expected) {
    throw new TesseraError(
      'E_IDX_TRUNCATED',
      `${source} is truncated: shape [${shape}] of ${type.dtype} needs ${expected} bytes, the file has ${bytes.length}`,
    );
  }
  if (bytes.length > expected) {
    throw new TesseraError(
      'E_IDX_TRAILING_BYTES',
      `${source} has ${bytes.length - expected} bytes after the [${shape}] ${type.dtype} values its header declares`,
    );
  }
  return { dtype: type.dtype, shape, data: readValues(view, headerLength, count, type.dtype) };
}

function readValues(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxArray['data'] {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int16':
      return Int16Array.from({ length: count }, (_, index) => view.getInt16(offset + 2 * index, false));
    case 'int32':
      return Int32Array.from({ length: count }, (_, index) => view.getInt32(offset + 4 * index, false));
    case 'float32':
      return Float32Array.from({ length: count }, (_, index) => view.getFloat32(offset + 4 * index, false));
    case 'float64':
      return Float64Array.from({ length: count }, (_, index) => view.getFloat64(offset + 8 * index, false));
  }
}

/** Deflate expands at most ~1032:1; a gzip file cannot hold more than this many bytes per byte. */
const LARGEST_GZIP_RATIO = 1032;

/**
 * Inflates a gzipped IDX file no further than its header says it holds: the header is read from
 * the first compressed bytes, a size the file could not hold is refused before inflating, and
 * inflating stops one byte past the declared size (so a gzip bomb costs nothing).
 */
function gunzipIdx(bytes: Uint8Array, path: string): Uint8Array {
  const damaged = (error: unknown) =>
    new TesseraError('E_IDX_TRUNCATED', `${path} is a damaged gzip file: ${(error as Error).message}`, {
      cause: error,
    });
  let head: Uint8Array;
  try {
    // 2 KiB of deflate holds the largest IDX header (1,024 bytes) and inflates to at most ~2 MB.
    head = gunzipSync(bytes.subarray(0, 2048), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    throw damaged(error);
  }
  const rank = head[3] ?? 0;
  // Too short for a header, or not IDX: parseIdx says which, from these bytes.
  if (head.length < 4 + 4 * rank || IDX_TYPES[head[2] as keyof typeof IDX_TYPES] === undefined) return head;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const { size } = IDX_TYPES[head[2] as keyof typeof IDX_TYPES];
  const shape = Array.from({ length: rank }, (_, axis) => view.getUint32(4 + 4 * axis, false));
  const expected = 4 + 4 * rank + shape.reduce((product, length) => product * length, 1) * size;
  if (expected >= buffer.constants.MAX_LENGTH) {
    throw new TesseraError(
      'E_IDX_TRUNCATED',
      `${path} declares ${expected} bytes of IDX data, more than fit in memory`,
    );
  }
  if (expected > bytes.length * LARGEST_GZIP_RATIO) {
    throw new TesseraError(
      'E_IDX_TRUNCATED',
      `${path} declares ${expected} bytes of IDX data, more than a ${bytes.length}-byte gzip file can hold`,
    );
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: expected + 1 });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw damaged(error);
    throw new TesseraError(
      'E_IDX_TRAILING_BYTES',
      `${path} inflates to more than the ${expected} bytes its [${shape}] header declares`,
    );
  }
}

/** Reads and parses an IDX file; gzipped files (`.gz`, or detected by their magic) are inflated first. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TesseraError('E_IDX_FILE', `cannot read IDX file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipIdx(bytes, path);
  return parseIdx(bytes, path);
}
