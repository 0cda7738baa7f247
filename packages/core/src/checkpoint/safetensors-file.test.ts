import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { serializeSafetensors } from './safetensors-bytes.js';
import { loadSafetensors, readSafetensorsHeader, saveSafetensors } from './safetensors-file.js';
import { disposeAll, float32Bits, rawHeader, rawSafetensors } from './test-helpers.js';

let directory: string;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-safetensors-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A fresh empty directory per test, so "no temporary file left" is a plain listing. */
async function emptyDirectory(name: string): Promise<string> {
  const path = join(directory, name);
  await rm(path, { recursive: true, force: true });
  await mkdir(path);
  return path;
}

const sampleTensors = () => ({
  'layer.weight': tf.tensor([
    [1.5, -2],
    [0.25, 8],
  ]),
  'layer.bias': tf.tensor([0.5, -0.5]),
  'token.ids': tf.tensor([3, 1, 4], [3], 'int32'),
  'token.mask': tf.tensor([1, 0, 1], [3], 'bool'),
});

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips tensors and metadata through a file; loading leaks nothing', async () => {
    const folder = await emptyDirectory('round-trip');
    const path = join(folder, 'model.safetensors');
    const tensors = sampleTensors();
    await saveSafetensors(path, tensors, { metadata: { epoch: '3' } });
    expect(await readdir(folder)).toEqual(['model.safetensors']);
    const { header } = rawHeader(await readFile(path));
    // Sorted by element size then name: layer.bias [0, 8), layer.weight [8, 24), token.ids, token.mask.
    expect(header['layer.weight']).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [8, 24] });

    const before = tf.memory().numTensors;
    const loaded = await loadSafetensors(path);
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(loaded.metadata).toEqual({ epoch: '3' });
    for (const [name, tensor] of Object.entries(tensors)) {
      expect(loaded.tensors[name]!.dtype).toBe(tensor.dtype);
      expect(loaded.tensors[name]!.shape).toEqual(tensor.shape);
      expect(Array.from(loaded.tensors[name]!.dataSync())).toEqual(Array.from(tensor.dataSync()));
    }
    // Loading disposed none of the caller's tensors.
    expect(Object.values(tensors).every((tensor) => !tensor.isDisposed)).toBe(true);
    disposeAll(loaded.tensors);
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(tensors);
  });

  it('writes the same bytes as serializing in memory, with F16/BF16 storage chosen per tensor', async () => {
    const folder = await emptyDirectory('same-bytes');
    const path = join(folder, 'half.safetensors');
    const tensors = sampleTensors();
    const options = { floatDtype: (name: string) => (name.endsWith('.weight') ? 'BF16' : 'F16') as 'BF16' | 'F16' };
    await saveSafetensors(path, tensors, options);
    expect(Buffer.from(await readFile(path))).toEqual(Buffer.from(serializeSafetensors(tensors, options)));
    const info = await readSafetensorsHeader(path);
    expect(info.tensors.map((tensor) => [tensor.name, tensor.dtype])).toEqual([
      ['token.ids', 'I32'],
      ['layer.bias', 'F16'],
      ['layer.weight', 'BF16'],
      ['token.mask', 'BOOL'],
    ]);
    const loaded = await loadSafetensors(path);
    expect(float32Bits(loaded.tensors['layer.weight']!)).toEqual(float32Bits(tensors['layer.weight']));
    disposeAll(loaded.tensors);
    disposeAll(tensors);
  });
});

describe('atomic writes', () => {
  it('leaves the previous file intact and no temporary file when a tensor fails midway', async () => {
    const folder = await emptyDirectory('midway');
    const path = join(folder, 'model.safetensors');
    await writeFile(path, 'previous checkpoint');
    const tensors = sampleTensors();
    // The header and the tensors written before it are already in the temporary file when the
    // last one in write order ('token.mask', BOOL) fails to read back from the backend.
    tensors['token.mask'].data = async () => {
      throw new Error('device lost');
    };
    const attempt = saveSafetensors(path, tensors);
    await expect(attempt).rejects.toMatchObject({ code: 'E_SAFETENSORS_IO' });
    await expect(attempt).rejects.toThrow(`cannot write '${path}' (device lost)`);
    expect(await readFile(path, 'utf8')).toBe('previous checkpoint');
    expect(await readdir(folder)).toEqual(['model.safetensors']);

    await rm(path);
    await expect(saveSafetensors(path, tensors)).rejects.toThrow(/E_SAFETENSORS_IO/);
    expect(await readdir(folder)).toEqual([]);
    disposeAll(tensors);
  });

  it('reports a missing destination directory as E_SAFETENSORS_IO and creates nothing', async () => {
    const folder = await emptyDirectory('missing-directory');
    const path = join(folder, 'no', 'such', 'model.safetensors');
    const tensors = sampleTensors();
    await expect(saveSafetensors(path, tensors)).rejects.toThrow(
      /E_SAFETENSORS_IO: cannot write '.*no\/such\/model\.safetensors' \(ENOENT.*check that the directory exists/,
    );
    expect(await readdir(folder)).toEqual([]);
    disposeAll(tensors);
  });

  it('checks every tensor before creating any file', async () => {
    const folder = await emptyDirectory('invalid-input');
    const text = tf.tensor(['not', 'numbers']);
    const weight = tf.ones([2]);
    await expect(saveSafetensors(join(folder, 'a.safetensors'), { weight, text })).rejects.toMatchObject({
      code: 'E_SAFETENSORS_DTYPE',
    });
    expect(await readdir(folder)).toEqual([]);
    text.dispose();
    weight.dispose();
  });
});

describe('reading files', () => {
  it('reports a missing file and a directory as E_SAFETENSORS_IO with the path', async () => {
    const missing = join(directory, 'missing.safetensors');
    await expect(loadSafetensors(missing)).rejects.toThrow(
      new RegExp(`^E_SAFETENSORS_IO: cannot open '${missing}' \\(ENOENT.*check the path`),
    );
    await expect(readSafetensorsHeader(directory)).rejects.toThrow(/E_SAFETENSORS_IO: '.*' is not a regular file/);
  });

  it('names the file in format errors', async () => {
    const path = join(directory, 'truncated.safetensors');
    const bytes = rawSafetensors({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16));
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    const before = tf.memory().numTensors;
    await expect(loadSafetensors(path)).rejects.toThrow(
      `E_SAFETENSORS_OFFSETS: tensor 'a' ends at byte 16, beyond the 13-byte data buffer; the file is truncated or its header is corrupt (in '${path}')`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads only the header of a 5 GiB file, including dtypes tfjs cannot load', async () => {
    const path = join(directory, 'sparse.safetensors');
    const size = 5 * 2 ** 30;
    const header = {
      __metadata__: { format: 'pt' },
      huge: { dtype: 'U8', shape: [size - 8 - 16], data_offsets: [8, size - 16] },
      double: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
    };
    // The header length depends on the numbers inside it; two passes settle it.
    let bytes = rawSafetensors(header);
    const headerLength = bytes.length - 8;
    header.huge.shape = [size - 8 - headerLength - 8];
    header.huge.data_offsets = [8, size - 8 - headerLength];
    bytes = rawSafetensors(header);
    expect(bytes.length - 8).toBe(headerLength);
    // A sparse file: the tensor bytes occupy no disk and would not fit in a Node Buffer read.
    const handle = await open(path, 'w');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.truncate(size);
    await handle.close();
    const info = await readSafetensorsHeader(path);
    expect(info.metadata).toEqual({ format: 'pt' });
    expect(info.tensors).toEqual([
      { name: 'double', dtype: 'F64', shape: [1], byteOffsets: [0, 8] },
      { name: 'huge', dtype: 'U8', shape: header.huge.shape, byteOffsets: header.huge.data_offsets },
    ]);
    expect(info.byteBufferOffset + info.byteBufferLength).toBe(size);
    await rm(path);
  });

  it('refuses a header longer than 100 MB before reading it', async () => {
    const path = join(directory, 'absurd.safetensors');
    const handle = await open(path, 'w');
    await handle.write(rawSafetensors('{}', [], 200_000_000n), 0, 10, 0);
    await handle.truncate(300_000_000);
    await handle.close();
    await expect(readSafetensorsHeader(path)).rejects.toThrow(
      /^E_SAFETENSORS_HEADER: header length 200000000 is above the 100000000-byte limit/,
    );
    await rm(path);
  });
});
