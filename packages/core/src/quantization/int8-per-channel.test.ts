import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { tf } from '../index.js';
import { dequantizeInt8PerChannel, quantizeInt8PerChannel } from './int8-per-channel.js';
import { defaultQuantizationRule, deserializeInt8Safetensors, serializeInt8Safetensors } from './int8-safetensors.js';

interface ReferenceCase {
  name: string;
  shape: number[];
  axis: number;
  values: number[];
  codes: number[];
  scales: number[];
  dequantized: number[];
}

// numpy's implementation of the same scheme (fixtures/gen_int8_reference.py).
const reference = JSON.parse(readFileSync(new URL('./fixtures/int8-reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('quantizeInt8PerChannel', () => {
  for (const testCase of reference.cases) {
    it(`matches numpy for ${testCase.name}`, () => {
      const quantized = quantizeInt8PerChannel(Float32Array.from(testCase.values), testCase.shape, testCase.axis);
      expect(Array.from(quantized.values)).toEqual(testCase.codes);
      expect(Array.from(quantized.scales)).toEqual(Array.from(Float32Array.from(testCase.scales)));
      expect(Array.from(dequantizeInt8PerChannel(quantized))).toEqual(
        Array.from(Float32Array.from(testCase.dequantized)),
      );
    });

    it(`keeps every element within scale / 2 for ${testCase.name}`, () => {
      const values = Float32Array.from(testCase.values);
      const quantized = quantizeInt8PerChannel(values, testCase.shape, testCase.axis);
      const dequantized = dequantizeInt8PerChannel(quantized);
      const axis = quantized.axis;
      const inner = testCase.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const channels = testCase.shape[axis] as number;
      for (let i = 0; i < values.length; i++) {
        const scale = quantized.scales[Math.floor(i / inner) % channels] as number;
        // float32 rounding of q * scale adds at most one ulp of the value.
        expect(Math.abs((values[i] as number) - (dequantized[i] as number))).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    });
  }

  it('rejects non-finite weights, bad axes and mismatched sizes with clear errors', () => {
    expect(() => quantizeInt8PerChannel(Float32Array.of(1, Number.NaN), [2])).toThrow(/E_QUANTIZATION_INPUT.*NaN/);
    expect(() => quantizeInt8PerChannel(Float32Array.of(1, 2), [2], 1)).toThrow(/E_QUANTIZATION_AXIS/);
    expect(() => quantizeInt8PerChannel(Float32Array.of(1, 2, 3), [2, 2])).toThrow(/E_QUANTIZATION_INPUT/);
  });
});

describe('int8 safetensors', () => {
  it('round-trips: quantized weights within scale / 2, other tensors exact, sizes reported', () => {
    const weight = tf.randomNormal([64, 32], 0, 0.1, 'float32', 3);
    const bias = tf.randomNormal([32], 0, 0.1, 'float32', 4);
    const steps = tf.tensor1d([5], 'int32');
    const { bytes, summary } = serializeInt8Safetensors({ 'layer.weight': weight, 'layer.bias': bias, steps });
    expect(Object.keys(summary.tensors)).toEqual(['layer.weight']);
    // 64*32 int8 codes + 32 float scales + 32 float bias + 1 int32, vs all four bytes per element.
    expect(summary.storedBytes).toBe(64 * 32 + 32 * 4 + 32 * 4 + 4);
    expect(summary.floatBytes).toBe((64 * 32 + 32 + 1) * 4);
    const before = tf.memory().numTensors;
    const loaded = deserializeInt8Safetensors(bytes);
    expect(tf.memory().numTensors).toBe(before + 3);
    expect(loaded.quantized).toEqual({ 'layer.weight': 1 });
    expect(Object.keys(loaded.tensors).sort()).toEqual(['layer.bias', 'layer.weight', 'steps']);
    expect(Array.from(loaded.tensors['layer.bias']!.dataSync())).toEqual(Array.from(bias.dataSync()));
    expect(loaded.tensors.steps!.dtype).toBe('int32');
    const original = weight.dataSync();
    const restored = loaded.tensors['layer.weight']!.dataSync();
    const { scales } = quantizeInt8PerChannel(original as Float32Array, [64, 32]);
    for (let i = 0; i < original.length; i++) {
      expect(Math.abs(original[i]! - restored[i]!)).toBeLessThanOrEqual(scales[i % 32]! / 2 + 1e-7);
    }
    tf.dispose([weight, bias, steps, ...Object.values(loaded.tensors)]);
  });

  it('keeps small and non-float tensors out of the default rule', () => {
    const small = tf.zeros([4, 4]);
    const ints = tf.zeros([64, 64], 'int32');
    expect(defaultQuantizationRule('small', small)).toBeUndefined();
    expect(defaultQuantizationRule('ints', ints)).toBeUndefined();
    tf.dispose([small, ints]);
  });

  it('refuses a scale name that collides with an existing tensor', () => {
    const weight = tf.zeros([32, 32]);
    const clash = tf.zeros([32]);
    expect(() => serializeInt8Safetensors({ w: weight, 'w.scale': clash })).toThrow(/E_QUANTIZATION_INPUT/);
    tf.dispose([weight, clash]);
  });

  it('rejects a file whose metadata lists a tensor with the wrong scale shape', () => {
    const weight = tf.randomNormal([32, 32], 0, 1, 'float32', 1);
    const { bytes } = serializeInt8Safetensors({ w: weight });
    // Patch the recorded axis in place (same length, so offsets stay valid): axis 5 does not exist.
    const header = new TextDecoder().decode(bytes.subarray(0, 400));
    const at = header.indexOf('{\\"w\\":1}') + '{\\"w\\":'.length;
    expect(at).toBeGreaterThan(10);
    const corrupted = bytes.slice();
    corrupted[at] = '5'.charCodeAt(0);
    expect(() => deserializeInt8Safetensors(corrupted)).toThrow(/E_QUANTIZATION_AXIS/);
    weight.dispose();
  });
});
