import { type FileHandle, open } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs-core';
import { isTesseraError, TesseraError } from '../errors.js';
import { writeFileAtomically, writeFully } from './atomic-write.js';
import {
  encodePlannedTensor,
  planSafetensorsWrite,
  type SafetensorsContents,
  type SafetensorsSaveOptions,
  tensorFromBytes,
} from './safetensors-bytes.js';
import {
  parseHeader,
  parseHeaderLength,
  SAFETENSORS_LENGTH_PREFIX_BYTES,
  type SafetensorsHeader,
} from './safetensors-header.js';

/**
 * Safetensors files on disk. Reading goes through a file handle, one `read` at a position per
 * tensor, never the whole file into one Buffer: checkpoints larger than Node's 2 GiB `readFile`
 * limit load, and `readSafetensorsHeader` reads only the header of a file of any size.
 */

/** Node's per-call read limit is just under 2 GiB; larger tensors are read in chunks. */
const READ_CHUNK_BYTES = 1 << 30;

/**
 * Saves tensors as a safetensors file, atomically: the data goes to a temporary file in the same
 * directory, is fsynced, then renamed over `path`, so `path` never holds a partial file. Tensors
 * are read (`tensor.data()`) and written one at a time, so memory stays bounded by the largest
 * tensor. See `SafetensorsSaveOptions` for metadata and F16/BF16 storage; layout as
 * `serializeSafetensors`.
 */
export async function saveSafetensors(
  path: string,
  tensors: Record<string, tf.Tensor>,
  options?: SafetensorsSaveOptions,
): Promise<void> {
  const plan = planSafetensorsWrite(tensors, options);
  try {
    await writeFileAtomically(path, async (handle) => {
      await writeFully(handle, plan.prefix, 0);
      for (const [index, info] of plan.tensors.entries()) {
        const bytes = encodePlannedTensor(info, await plan.sources[index]!.data());
        await writeFully(handle, bytes, plan.prefix.length + info.byteOffsets[0]);
      }
    });
  } catch (error) {
    throw withPath(error, path, 'write');
  }
}

/**
 * Loads every tensor of a safetensors file (F32/F16/BF16 → float32, I32/I64/U8 → int32, BOOL →
 * bool) with the file's metadata. The caller owns the returned tensors. On any error no tensor
 * is left allocated.
 */
export async function loadSafetensors(path: string): Promise<SafetensorsContents> {
  return withFile(path, async (handle, header) => {
    const created: [string, tf.Tensor][] = [];
    try {
      for (const info of header.tensors) {
        const [begin, end] = info.byteOffsets;
        const bytes = await readFully(handle, end - begin, header.byteBufferOffset + begin, path);
        created.push([info.name, tensorFromBytes(info, bytes)]);
      }
    } catch (error) {
      for (const [, tensor] of created) tensor.dispose();
      throw error;
    }
    // fromEntries defines own properties, so a tensor named "__proto__" stays an ordinary key.
    return { tensors: Object.fromEntries(created), metadata: header.metadata };
  });
}

/**
 * Reads and validates only the header of a safetensors file: tensor names, dtypes, shapes, byte
 * ranges (tensors in file order) and metadata. Reads 8 + N bytes whatever the file's size.
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  return withFile(path, async (_handle, header) => header);
}

/** Opens `path`, parses its header, runs `use`, and always closes the file. */
async function withFile<T>(
  path: string,
  use: (handle: FileHandle, header: SafetensorsHeader) => Promise<T>,
): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw withPath(error, path, 'open');
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new TesseraError(
        'E_SAFETENSORS_IO',
        `'${path}' is not a regular file; pass the path of a .safetensors file`,
      );
    }
    const prefix = await readFully(handle, Math.min(stats.size, SAFETENSORS_LENGTH_PREFIX_BYTES), 0, path);
    const headerByteLength = parseHeaderLength(prefix, stats.size);
    const headerBytes = await readFully(handle, headerByteLength, SAFETENSORS_LENGTH_PREFIX_BYTES, path);
    return await use(handle, parseHeader(headerBytes, stats.size));
  } catch (error) {
    throw withPath(error, path, 'read');
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads exactly `length` bytes at `position` into a fresh buffer (aligned, owned by the caller). */
async function readFully(handle: FileHandle, length: number, position: number, path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(
      bytes,
      filled,
      Math.min(length - filled, READ_CHUNK_BYTES),
      position + filled,
    );
    if (bytesRead === 0) {
      throw new TesseraError(
        'E_SAFETENSORS_IO',
        `'${path}' ended at byte ${position + filled} while ${length} bytes were expected from byte ${position}; the file was truncated or changed while loading`,
      );
    }
    filled += bytesRead;
  }
  return bytes;
}

/**
 * Format errors gain the file's path; system errors (ENOENT, EACCES, ENOSPC…) become
 * E_SAFETENSORS_IO with the path and what to check. Other `TesseraError`s pass through.
 */
function withPath(error: unknown, path: string, action: 'open' | 'read' | 'write'): TesseraError {
  // A missing folder keeps this module's stable E_SAFETENSORS_IO code; the system error says why.
  if (isTesseraError(error, 'E_WRITE_DIRECTORY')) return withPath(error.cause, path, action);
  if (isTesseraError(error)) {
    if (error.message.includes(`'${path}'`)) return error;
    return new TesseraError(error.code, `${error.message.slice(error.code.length + 2)} (in '${path}')`, {
      cause: error,
    });
  }
  const systemCode = (error as NodeJS.ErrnoException | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  const advice =
    action === 'write'
      ? 'check that the directory exists, is writable and has space; the destination was left unchanged'
      : systemCode === 'ENOENT'
        ? 'check the path'
        : 'check that the file exists and is readable';
  return new TesseraError('E_SAFETENSORS_IO', `cannot ${action} '${path}' (${reason}); ${advice}`, { cause: error });
}
