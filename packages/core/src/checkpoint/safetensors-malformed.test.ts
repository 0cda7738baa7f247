import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { isTesseraError } from '../errors.js';
import { deserializeSafetensors, serializeSafetensors } from './safetensors-bytes.js';
import { disposeAll, rawSafetensors } from './test-helpers.js';

/** Hand-built malformed files, one per check, each with the code and message it must produce. */

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('malformed input', () => {
  const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, Uint8Array, string, RegExp?][] = [
    ['shorter than the length prefix', new Uint8Array(5), 'E_SAFETENSORS_HEADER', /input is 5 bytes/],
    [
      'a header length beyond the input',
      rawSafetensors({}, new Uint8Array(2038), 9_000_000_000_000_000_000n),
      'E_SAFETENSORS_HEADER',
      /header length 9000000000000000000 exceeds file size 2048/,
    ],
    ['a header that is an array', rawSafetensors([1, 2]), 'E_SAFETENSORS_HEADER', /must be a JSON object.*got \[1,2\]/],
    ['a header that is null', rawSafetensors('null'), 'E_SAFETENSORS_HEADER'],
    ['truncated JSON', rawSafetensors('{"a":'), 'E_SAFETENSORS_JSON', /not valid JSON/],
    // Nesting JSON.stringify cannot render without overflowing the stack (a RangeError before).
    [
      'a tensor entry of deeply nested arrays',
      rawSafetensors(`{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
      'E_SAFETENSORS_HEADER',
      /entry 'a' must be an object.*got \[\[\[\.\.\.\]\]\]/,
    ],
    ['invalid UTF-8', rawSafetensors(Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')), 'E_SAFETENSORS_JSON'],
    ['a byte-order mark', rawSafetensors('\ufeff{}'), 'E_SAFETENSORS_JSON'],
    ['a tensor entry that is a number', rawSafetensors({ a: 5 }), 'E_SAFETENSORS_HEADER', /entry 'a'/],
    [
      'an unknown dtype',
      rawSafetensors({ a: { ...f32([1], [0, 4]), dtype: 'F31' } }, [0, 0, 0, 0]),
      'E_SAFETENSORS_DTYPE',
      /unknown dtype "F31"/,
    ],
    [
      'a missing dtype',
      rawSafetensors({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
      'E_SAFETENSORS_DTYPE',
    ],
    [
      'a known dtype tfjs cannot hold',
      rawSafetensors({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      'E_SAFETENSORS_DTYPE',
      /F64, which Tessera cannot load/,
    ],
    [
      'a negative dimension',
      rawSafetensors({ a: f32([-1], [0, 4]) }, [0, 0, 0, 0]),
      'E_SAFETENSORS_SHAPE',
      /non-negative integers/,
    ],
    ['a fractional dimension', rawSafetensors({ a: f32([0.5], [0, 4]) }, [0, 0, 0, 0]), 'E_SAFETENSORS_SHAPE'],
    [
      'a shape that is not an array',
      rawSafetensors({ a: f32('4' as unknown as number[], [0, 4]) }, [0, 0, 0, 0]),
      'E_SAFETENSORS_SHAPE',
    ],
    [
      'shape × dtype ≠ byte length',
      rawSafetensors({ a: f32([2], [0, 4]) }, [0, 0, 0, 0]),
      'E_SAFETENSORS_SHAPE',
      /\[2\] × F32 \(4 bytes\) = 8 bytes, but data_offsets \[0, 4\] hold 4/,
    ],
    [
      'a shape whose product overflows 2^53',
      rawSafetensors({ a: f32([2 ** 40, 2 ** 40, 0.5 * 2 ** 1], [0, 4]) }, [0, 0, 0, 0]),
      'E_SAFETENSORS_SHAPE',
    ],
    ['begin > end', rawSafetensors({ a: f32([0], [4, 0]) }, [0, 0, 0, 0]), 'E_SAFETENSORS_OFFSETS', /begin > end/],
    ['fractional offsets', rawSafetensors({ a: f32([1], [0.5, 4.5]) }, [0, 0, 0, 0]), 'E_SAFETENSORS_OFFSETS'],
    [
      'three offsets',
      rawSafetensors({ a: { ...f32([1], [0, 4]), data_offsets: [0, 4, 8] } }, [0, 0, 0, 0]),
      'E_SAFETENSORS_OFFSETS',
    ],
    ['negative offsets', rawSafetensors({ a: f32([1], [-4, 0]) }, [0, 0, 0, 0]), 'E_SAFETENSORS_OFFSETS'],
    [
      'offsets past the buffer',
      rawSafetensors({ a: f32([2], [0, 8]) }, [0, 0, 0, 0]),
      'E_SAFETENSORS_OFFSETS',
      /ends at byte 8, beyond the 4-byte data buffer/,
    ],
    [
      'overlapping tensors',
      rawSafetensors({ a: f32([2], [0, 8]), b: f32([1], [4, 8]) }, new Uint8Array(8)),
      'E_SAFETENSORS_OFFSETS',
      /'b' \[4, 8\] overlaps tensor 'a'/,
    ],
    [
      'a gap between tensors',
      rawSafetensors({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Uint8Array(12)),
      'E_SAFETENSORS_OFFSETS',
      /bytes \[4, 8\) of the data buffer belong to no tensor/,
    ],
    [
      'trailing bytes',
      rawSafetensors({ a: f32([1], [0, 4]) }, new Uint8Array(6)),
      'E_SAFETENSORS_OFFSETS',
      /2 trailing bytes/,
    ],
    [
      'metadata with a number',
      rawSafetensors({ __metadata__: { epoch: 3 } }),
      'E_SAFETENSORS_HEADER',
      /'epoch' must be a string, got 3/,
    ],
    ['metadata that is an array', rawSafetensors({ __metadata__: ['a'] }), 'E_SAFETENSORS_HEADER'],
  ];

  for (const [description, bytes, code, message] of cases) {
    it(`rejects ${description} with ${code}`, () => {
      let thrown: unknown;
      try {
        disposeAll(deserializeSafetensors(bytes).tensors);
      } catch (error) {
        thrown = error;
      }
      expect(isTesseraError(thrown, code as `E_${string}`), String(thrown)).toBe(true);
      expect((thrown as Error).message.startsWith(`${code}: `)).toBe(true);
      if (message) expect((thrown as Error).message).toMatch(message);
    });
  }

  it('accepts an empty file (no tensors) and null metadata', () => {
    expect(deserializeSafetensors(rawSafetensors({}))).toEqual({ tensors: {}, metadata: {} });
    expect(deserializeSafetensors(rawSafetensors({ __metadata__: null })).metadata).toEqual({});
  });

  it('disposes the tensors it already created when a later one fails', () => {
    const bytes = rawSafetensors(
      { a: f32([1], [0, 4]), z: { dtype: 'I64', shape: [1], data_offsets: [4, 12] } },
      [0, 0, 128, 63, 0, 0, 0, 128, 0, 0, 0, 0],
    );
    const before = tf.memory().numTensors;
    expect(() => deserializeSafetensors(bytes)).toThrow(/E_SAFETENSORS_RANGE: tensor 'z' \(I64\) holds 2147483648/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses tensors safetensors cannot store, before writing anything', () => {
    const text = tf.tensor(['a', 'b']);
    expect(() => serializeSafetensors({ text })).toThrow(/E_SAFETENSORS_DTYPE: tensor 'text' has tfjs dtype string/);
    const disposed = tf.zeros([2]);
    disposed.dispose();
    expect(() => serializeSafetensors({ disposed })).toThrow(/E_SAFETENSORS_INPUT: tensor 'disposed' was disposed/);
    const x = tf.zeros([1]);
    expect(() => serializeSafetensors({ __metadata__: x })).toThrow(/E_SAFETENSORS_HEADER: '__metadata__' is reserved/);
    expect(() => serializeSafetensors({ x }, { floatDtype: 'F8' as 'F16' })).toThrow(/E_SAFETENSORS_DTYPE/);
    expect(() => serializeSafetensors({ x }, { metadata: { n: 1 as unknown as string } })).toThrow(
      /E_SAFETENSORS_HEADER: metadata value for 'n' must be a string/,
    );
    text.dispose();
    x.dispose();
  });
});
