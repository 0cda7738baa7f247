import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { createCollate, defaultCollate } from './collate.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function summary(tensor: tf.Tensor): { shape: number[]; dtype: string; values: unknown } {
  return { shape: tensor.shape, dtype: tensor.dtype, values: tensor.arraySync() };
}

describe('defaultCollate', () => {
  it('stacks numbers into a float32 vector unless a dtype hint says otherwise', () => {
    const floats = defaultCollate([1, 2, 3]);
    expect(summary(floats)).toEqual({ shape: [3], dtype: 'float32', values: [1, 2, 3] });
    const ints = defaultCollate([1, 2, 3], { dtypes: { '': 'int32' } });
    expect(summary(ints)).toEqual({ shape: [3], dtype: 'int32', values: [1, 2, 3] });
    tf.dispose([floats, ints]);
  });

  it('stacks typed-array rows into [batch, length]: integer arrays as int32, float arrays as float32', () => {
    const floats = defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(summary(floats)).toEqual({
      shape: [2, 2],
      dtype: 'float32',
      values: [
        [1, 2],
        [3, 4],
      ],
    });
    const ids = defaultCollate([new Int32Array([5, 6, 7]), new Int32Array([8, 9, 10])]);
    expect(summary(ids)).toEqual({
      shape: [2, 3],
      dtype: 'int32',
      values: [
        [5, 6, 7],
        [8, 9, 10],
      ],
    });
    const bytes = defaultCollate([new Uint8Array([255]), new Uint8Array([0])]);
    expect(summary(bytes)).toEqual({ shape: [2, 1], dtype: 'int32', values: [[255], [0]] });
    const doubles = defaultCollate([new Float64Array([0.5])]);
    expect(doubles.dtype).toBe('float32');
    tf.dispose([floats, ids, bytes, doubles]);
  });

  it('stacks nested number arrays into an N-D tensor and booleans into bool', () => {
    const images = defaultCollate([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [7, 8, 9],
        [10, 11, 12],
      ],
    ]);
    expect(images.shape).toEqual([2, 2, 3]);
    expect(images.dtype).toBe('float32');
    expect(Array.from(images.dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const masks = defaultCollate([
      [true, false],
      [false, true],
    ]);
    expect(summary(masks)).toEqual({
      shape: [2, 2],
      dtype: 'bool',
      values: [
        [1, 0],
        [0, 1],
      ],
    });
    const flags = defaultCollate([true, false, true]);
    expect(summary(flags)).toEqual({ shape: [3], dtype: 'bool', values: [1, 0, 1] });
    tf.dispose([images, masks, flags]);
  });

  it('collates objects field by field, recursively, with hints by dotted path', () => {
    const batch = defaultCollate(
      [
        { features: new Float32Array([1, 2]), label: 1, text: 'a', extra: { mask: [1, 0, 1], weight: 0.5 } },
        { features: new Float32Array([3, 4]), label: 0, text: 'b', extra: { mask: [0, 1, 1], weight: 2 } },
      ],
      { dtypes: { label: 'int32', 'extra.mask': 'bool' } },
    );
    expect(summary(batch.features)).toEqual({
      shape: [2, 2],
      dtype: 'float32',
      values: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(summary(batch.label)).toEqual({ shape: [2], dtype: 'int32', values: [1, 0] });
    expect(batch.text).toEqual(['a', 'b']);
    expect(summary(batch.extra.mask)).toEqual({
      shape: [2, 3],
      dtype: 'bool',
      values: [
        [1, 0, 1],
        [0, 1, 1],
      ],
    });
    expect(summary(batch.extra.weight)).toEqual({ shape: [2], dtype: 'float32', values: [0.5, 2] });
    tf.dispose(batch);
  });

  it('collates a non-numeric tuple position by position', () => {
    const collate = createCollate<[Float32Array, number]>({ dtypes: { '1': 'int32' } });
    const [features, labels] = collate([
      [new Float32Array([1, 2, 3]), 4],
      [new Float32Array([5, 6, 7]), 8],
    ]);
    expect(features.shape).toEqual([2, 3]);
    expect(summary(labels)).toEqual({ shape: [2], dtype: 'int32', values: [4, 8] });
    tf.dispose([features, labels]);
  });

  it('stacks tensors without disposing them, casting on a hint', () => {
    const rows = [tf.tensor1d([1, 2]), tf.tensor1d([3, 4])];
    const before = tf.memory().numTensors;
    const batch = defaultCollate(rows, { dtypes: { '': 'int32' } });
    expect(summary(batch)).toEqual({
      shape: [2, 2],
      dtype: 'int32',
      values: [
        [1, 2],
        [3, 4],
      ],
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(rows.every((row) => !row.isDisposed)).toBe(true);
    tf.dispose([batch, ...rows]);
  });

  it('fails clearly on mismatched examples and leaks nothing already built for the batch', () => {
    const before = tf.memory().numTensors;
    expect(() =>
      defaultCollate([
        { label: 1, features: [1, 2, 3] },
        { label: 2, features: [1, 2] },
      ]),
    ).toThrow(
      /E_DATA_COLLATE: cannot collate field 'features': example 1 has shape \[2\] but example 0 has shape \[3\]; pad or truncate/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(() => defaultCollate([{ a: 1, b: 2 }, { a: 1 }])).toThrow(/example 1 has no field 'b', which example 0 has/);
    expect(() => defaultCollate([1, 'two'])).toThrow(
      /cannot collate examples: example 1 is string but example 0 is number/,
    );
    expect(() =>
      defaultCollate([
        [[1], 2],
        [[1], 'x'],
      ]),
    ).toThrow(/cannot collate field '1': example 1 is string/);
    expect(() => defaultCollate([])).toThrow(
      /E_DATA_COLLATE: cannot collate examples: a batch needs at least one example/,
    );
    expect(() => defaultCollate([null])).toThrow(/values of type null are not supported/);
    expect(() => defaultCollate([new Uint32Array([2 ** 31])])).toThrow(/above 2\^31 - 1/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
