import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { seededRandom } from '../random/seeded-random.js';
import { deserializeSafetensors, serializeSafetensors } from './safetensors-bytes.js';
import { loadSafetensors, readSafetensorsHeader } from './safetensors-file.js';
import {
  disposeAll,
  float32Bits,
  REFERENCE_DIRECTORY,
  rawHeader,
  rawSafetensors,
  referenceExpectations,
  TINY_GPT2_PATH,
  tensorFromFloat32Bits,
} from './test-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('loading the shared tiny GPT-2 checkpoint', () => {
  const file = readFileSync(TINY_GPT2_PATH);
  const { length, header } = rawHeader(file);
  const names = Object.keys(header).filter((name) => name !== '__metadata__');

  it('gives every tensor the shape and dtype its header declares, with the metadata', async () => {
    const before = tf.memory().numTensors;
    const { tensors, metadata } = await loadSafetensors(TINY_GPT2_PATH);
    expect(Object.keys(tensors).sort()).toEqual([...names].sort());
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(tensors[name]!.shape, name).toEqual(header[name]!.shape);
      expect(tensors[name]!.dtype).toBe('float32');
    }
    expect(metadata).toEqual(header.__metadata__);
    expect(tf.memory().numTensors).toBe(before + names.length);
    disposeAll(tensors);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads values identical to the bytes at each tensor offset', async () => {
    const { tensors } = await loadSafetensors(TINY_GPT2_PATH);
    for (const name of ['transformer.wte.weight', 'transformer.h.1.ln_2.bias', 'transformer.h.0.attn.c_attn.weight']) {
      const [begin, end] = header[name]!.data_offsets;
      const start = 8 + length + begin;
      const expected = Array.from({ length: (end - begin) / 4 }, (_, i) => file.readUInt32LE(start + 4 * i));
      expect(float32Bits(tensors[name]!), name).toEqual(expected);
    }
    disposeAll(tensors);
  });

  it('describes the file from its header alone', async () => {
    const info = await readSafetensorsHeader(TINY_GPT2_PATH);
    expect(info.headerByteLength).toBe(length);
    expect(info.byteBufferOffset).toBe(8 + length);
    expect(info.byteBufferLength).toBe(file.length - 8 - length);
    expect(info.metadata).toEqual({ format: 'pt' });
    const fromHeader = names.map((name) => ({
      name,
      dtype: header[name]!.dtype,
      shape: header[name]!.shape,
      byteOffsets: header[name]!.data_offsets,
    }));
    fromHeader.sort((a, b) => a.byteOffsets[0] - b.byteOffsets[0]);
    expect(info.tensors).toEqual(fromHeader);
  });

  it('re-serializes to the same values and a valid layout', async () => {
    const { tensors, metadata } = await loadSafetensors(TINY_GPT2_PATH);
    const bytes = serializeSafetensors(tensors, { metadata });
    const again = deserializeSafetensors(bytes);
    for (const name of names) expect(float32Bits(again.tensors[name]!)).toEqual(float32Bits(tensors[name]!));
    disposeAll(tensors);
    disposeAll(again.tensors);
  });
});

describe('the numpy reference (fixtures/make-reference.py)', () => {
  const expected = referenceExpectations();

  it('loads every dtype exactly as numpy decodes it', async () => {
    const { tensors, metadata } = await loadSafetensors(join(REFERENCE_DIRECTORY, 'reference.safetensors'));
    expect(metadata).toEqual(expected.metadata);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(expected.tensors).sort());
    for (const [name, reference] of Object.entries(expected.tensors)) {
      const tensor = tensors[name]!;
      expect(tensor.shape, name).toEqual(reference.shape);
      if (reference.float32_bits) {
        expect(tensor.dtype).toBe('float32');
        expect(float32Bits(tensor), name).toEqual(reference.float32_bits);
      } else {
        expect(tensor.dtype).toBe(reference.dtype === 'BOOL' ? 'bool' : 'int32');
        expect(Array.from(tensor.dataSync()), name).toEqual(reference.values);
      }
    }
    disposeAll(tensors);
  });

  it('stores F16 and BF16 with the same bits as numpy for the same float32 inputs', () => {
    for (const [name, floatDtype] of [
      ['half.f16', 'F16'],
      ['half.bf16', 'BF16'],
    ] as const) {
      const reference = expected.tensors[name]!;
      const input = tensorFromFloat32Bits(reference.input_float32_bits!, reference.shape);
      const bytes = serializeSafetensors({ [name]: input }, { floatDtype });
      const { length, header } = rawHeader(bytes);
      expect(header[name]!.dtype).toBe(floatDtype);
      const data = Buffer.from(bytes.buffer, bytes.byteOffset + 8 + length);
      const stored = Array.from({ length: data.length / 2 }, (_, i) => data.readUInt16LE(2 * i));
      expect(stored, name).toEqual(reference.stored_bits);
      input.dispose();
    }
  });

  it('writes a file byte-identical to numpy for the dtypes Tessera writes', () => {
    const file = readFileSync(join(REFERENCE_DIRECTORY, 'reference-writable.safetensors'));
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, reference] of Object.entries(expected.tensors)) {
      if (reference.dtype === 'I64' || reference.dtype === 'U8') continue;
      if (reference.input_float32_bits) {
        tensors[name] = tensorFromFloat32Bits(reference.input_float32_bits, reference.shape);
      } else if (reference.float32_bits) {
        tensors[name] = tensorFromFloat32Bits(reference.float32_bits, reference.shape);
      } else {
        tensors[name] = tf.tensor(reference.values!, reference.shape, reference.dtype === 'BOOL' ? 'bool' : 'int32');
      }
    }
    const floatDtype = (name: string) => (name === 'half.f16' ? 'F16' : name === 'half.bf16' ? 'BF16' : 'F32');
    const bytes = serializeSafetensors(tensors, { metadata: expected.metadata, floatDtype });
    expect(Buffer.from(bytes).equals(file)).toBe(true);
    disposeAll(tensors);
  });

  it('rejects an I64 value outside int32 with E_SAFETENSORS_RANGE naming the value', async () => {
    const path = join(REFERENCE_DIRECTORY, 'reference-i64-out-of-range.safetensors');
    const before = tf.memory().numTensors;
    await expect(loadSafetensors(path)).rejects.toMatchObject({ code: 'E_SAFETENSORS_RANGE' });
    await expect(loadSafetensors(path)).rejects.toThrow(/'too\.big' \(I64\) holds 2147483648 at element 1/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('round trip', () => {
  const random = seededRandom(11);
  const randomBits = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 2 ** 32));

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`is bit-exact for F32 (every bit pattern, NaN payloads too), I32 and BOOL on ${backend}`, async () => {
      await initBackend({ backend });
      const special = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffffffff, 0x00000001];
      const tensors = {
        'weights.float': tensorFromFloat32Bits([...special, ...randomBits(1000)], [42, 24]),
        'counts.int': tf.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -1, ...randomBits(60).map((b) => b | 0)], [8, 8], 'int32'),
        'mask.bool': tf.tensor(
          randomBits(30).map((b) => b & 1),
          [5, 6],
          'bool',
        ),
        scalar: tf.scalar(-3.25),
        empty: tf.zeros([3, 0, 2]),
      };
      const before = tf.memory().numTensors;
      const { tensors: loaded, metadata } = deserializeSafetensors(
        serializeSafetensors(tensors, { metadata: { step: '100', note: 'round trip ✓' } }),
      );
      expect(tf.memory().numTensors).toBe(before + 5);
      expect(metadata).toEqual({ step: '100', note: 'round trip ✓' });
      for (const [name, tensor] of Object.entries(tensors)) {
        expect(loaded[name]!.dtype).toBe(tensor.dtype);
        expect(loaded[name]!.shape).toEqual(tensor.shape);
        const values = tensor.dtype === 'float32' ? float32Bits : (t: tf.Tensor) => Array.from(t.dataSync());
        expect(values(loaded[name]!), name).toEqual(values(tensor));
      }
      disposeAll(loaded);
      disposeAll(tensors);
      await initBackend({ backend: 'cpu' });
    });
  }

  it('F16 and BF16 storage round-trips to the nearest representable value', () => {
    const input = tf.tensor([1, 0.1, -2.5e-3, 70000, 1e-8]);
    // Expected values from numpy: x.astype(np.float16), and the bf16 bit recipe of make-reference.py.
    for (const [floatDtype, expected] of [
      ['F16', [1, 0.0999755859375, -0.0025005340576171875, Number.POSITIVE_INFINITY, 0]],
      ['BF16', [1, 0.10009765625, -0.00250244140625, 70144, 1.0011717677116394e-8]],
    ] as const) {
      const { tensors } = deserializeSafetensors(serializeSafetensors({ x: input }, { floatDtype }));
      expect(Array.from(tensors.x!.dataSync()), floatDtype).toEqual(expected);
      disposeAll(tensors);
    }
    input.dispose();
  });
});

describe('layout', () => {
  const tensors = () => ({
    'b.bool': tf.tensor([1, 0, 1], [3], 'bool'),
    'a.float': tf.tensor([1, 2, 3]),
    'c.half': tf.tensor([4, 5, 6]),
    'a.int': tf.tensor([7], [1], 'int32'),
  });

  it('is deterministic, pads the header with spaces to 8 bytes and aligns every tensor', () => {
    const first = tensors();
    const reversed = Object.fromEntries(Object.entries(tensors()).reverse());
    const floatDtype = (name: string) => (name === 'c.half' ? 'F16' : 'F32');
    const bytes = serializeSafetensors(first, { floatDtype, metadata: { z: '1', a: '2' } });
    expect(Buffer.from(serializeSafetensors(reversed, { floatDtype, metadata: { a: '2', z: '1' } }))).toEqual(
      Buffer.from(bytes),
    );
    const { length, header } = rawHeader(bytes);
    expect(length % 8).toBe(0);
    const text = Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8');
    expect(text).toMatch(/^\{"__metadata__":\{"a":"2","z":"1"\},"a\.float":/);
    expect(text.trimEnd().length).toBeGreaterThan(length - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    // Element size descending, then name: F32/I32 (4) by name, F16 (2), BOOL (1).
    expect(Object.keys(header).slice(1)).toEqual(['a.float', 'a.int', 'c.half', 'b.bool']);
    const sizes: Record<string, number> = { F32: 4, I32: 4, F16: 2, BOOL: 1 };
    for (const entry of Object.values(header).slice(1)) {
      expect((8 + length + entry.data_offsets[0]) % sizes[entry.dtype]!).toBe(0);
    }
    disposeAll(first);
    disposeAll(reversed);
  });

  it('keeps a tensor named __proto__ as an ordinary key, reading and writing', () => {
    const name = '__proto__';
    const bytes = rawSafetensors(`{"${name}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, [0, 0, 128, 63]);
    const { tensors } = deserializeSafetensors(bytes);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    const loaded = Object.getOwnPropertyDescriptor(tensors, name)?.value as tf.Tensor;
    expect(Array.from(loaded.dataSync())).toEqual([1]);
    // Written back, it is a header key again (not swallowed as a prototype).
    const written = serializeSafetensors(tensors);
    expect(Object.keys(rawHeader(written).header)).toEqual([name]);
    expect(Array.from(written.subarray(-4))).toEqual([0, 0, 128, 63]);
    loaded.dispose();
  });
});
