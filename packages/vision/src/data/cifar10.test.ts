import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASS_NAMES, loadCifar10, parseCifar10Batch } from './cifar10.js';

/** Records in CIFAR-10's binary layout: label, then the R, G and B planes of 32×32 row-major. */
function cifarRecord(
  label: number,
  red: (row: number, column: number) => number,
  green: number,
  blue: number,
): Uint8Array {
  const record = new Uint8Array(3073);
  record[0] = label;
  for (let row = 0; row < 32; row++) {
    for (let column = 0; column < 32; column++) {
      record[1 + row * 32 + column] = red(row, column);
      record[1 + 1024 + row * 32 + column] = green;
      record[1 + 2048 + row * 32 + column] = blue;
    }
  }
  return record;
}

describe('CIFAR-10 binary reader', () => {
  const records = [cifarRecord(3, (row, column) => row * 8 + (column % 8), 100, 200), cifarRecord(9, () => 7, 0, 255)];
  const bytes = new Uint8Array(records.length * 3073);
  records.forEach((record, index) => {
    bytes.set(record, index * 3073);
  });

  it('turns planar records into interleaved [count, 32, 32, 3] pixels with their labels', () => {
    const set = parseCifar10Batch(bytes);
    expect([set.count, set.height, set.width, set.channels]).toEqual([2, 32, 32, 3]);
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(set.classNames[3]).toBe('cat');
    // Image 0, pixel (row 5, column 10): red 5·8 + 2, green 100, blue 200.
    const offset = (5 * 32 + 10) * 3;
    expect(Array.from(set.pixels.subarray(offset, offset + 3))).toEqual([42, 100, 200]);
    const second = 32 * 32 * 3;
    expect(Array.from(set.pixels.subarray(second, second + 3))).toEqual([7, 0, 255]);
  });

  it('rejects partial records and out-of-range labels', () => {
    expect(() => parseCifar10Batch(bytes.subarray(0, 3000))).toThrow(/E_CIFAR_SIZE/);
    const bad = bytes.slice();
    bad[3073] = 10;
    expect(() => parseCifar10Batch(bad)).toThrow(/E_CIFAR_LABEL: .*record 1 has label 10/);
  });

  it('loads the test split from a directory and names a missing training batch', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-cifar-'));
    await writeFile(join(directory, 'test_batch.bin'), bytes);
    const test = await loadCifar10({ directory, split: 'test' });
    expect(test.count).toBe(2);
    expect(test.classNames).toEqual([...CIFAR10_CLASS_NAMES]);
    await expect(loadCifar10({ directory })).rejects.toThrow(/E_CIFAR_FILE: cannot read .*data_batch_1\.bin/);
  });
});
