import { createRandomGenerator, Dropout, initBackend, Linear, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoRALinear } from './lora-linear.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Row-major [rows, columns] product in plain JavaScript: the reference the layer is held to. */
function multiply(left: number[][], right: number[][]): number[][] {
  return left.map((row) =>
    (right[0] as number[]).map((_, column) =>
      row.reduce((sum, value, k) => sum + value * (right[k]?.[column] ?? 0), 0),
    ),
  );
}

function matrix(tensor: tf.Tensor): number[][] {
  return tensor.arraySync() as number[][];
}

describe('LoRALinear', () => {
  it('initialises A like PEFT (Kaiming-uniform, a = √5: U(±1/√in)) and B to zeros; scaling is alpha / rank', () => {
    const layer = new LoRALinear(new Linear(64, 48, { random: createRandomGenerator(1) }), {
      rank: 16,
      alpha: 32,
      random: createRandomGenerator(2),
    });
    expect(layer.lora.a.shape).toEqual([64, 16]);
    expect(layer.lora.b.shape).toEqual([16, 48]);
    const a = Array.from(layer.lora.a.dataSync());
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(bound);
    // U(±bound) has variance bound² / 3; 1024 draws land within 15% of it.
    const variance = a.reduce((sum, value) => sum + value * value, 0) / a.length;
    expect(Math.abs(variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.15);
    expect(Array.from(layer.lora.b.dataSync()).every((value) => value === 0)).toBe(true);
    expect(layer.lora.scaling).toBe(2);
    expect(layer.namedParameters().map(([name]) => name)).toEqual(['base.weight', 'base.bias', 'lora.a', 'lora.b']);
    expect([layer.inFeatures, layer.outFeatures, layer.weight, layer.bias]).toEqual([
      64,
      48,
      layer.base.weight,
      layer.base.bias,
    ]);
    layer.dispose();
  });

  it('forward is x·W + bias + x·A·B·(alpha / rank), over any leading axes', () => {
    const base = new Linear(5, 3, { random: createRandomGenerator(3) });
    const layer = new LoRALinear(base, { rank: 2, alpha: 6, random: createRandomGenerator(4) });
    layer.lora.b.assign(tf.randomNormal([2, 3], 0, 1, 'float32', 5));
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 6); // [batch, time, in]
    const rows = matrix(tf.reshape(x, [8, 5]));
    const update = multiply(multiply(rows, matrix(layer.lora.a)), matrix(layer.lora.b));
    const bias = Array.from(base.bias?.dataSync() ?? []);
    const expected = multiply(rows, matrix(base.weight)).map((row, i) =>
      row.map((value, j) => value + (bias[j] as number) + 3 * (update[i]?.[j] as number)),
    );
    const output = layer.forward(x);
    expect(output.shape).toEqual([2, 4, 3]);
    const actual = matrix(tf.reshape(output, [8, 3]));
    for (const [i, row] of expected.entries()) {
      for (const [j, value] of row.entries()) expect(actual[i]?.[j]).toBeCloseTo(value, 5);
    }
    layer.dispose();
  });

  it('dropout acts on the adapter path only, and only in training mode', () => {
    const base = new Linear(16, 8, { random: createRandomGenerator(7) });
    const layer = new LoRALinear(base, { rank: 4, alpha: 4, dropout: 0.5, random: createRandomGenerator(8) });
    expect(layer.lora.dropout).toBeInstanceOf(Dropout);
    const x = tf.randomNormal([6, 16], 0, 1, 'float32', 9);
    // B = 0: whatever dropout does to the adapter's input, the output is the base layer's, bit for bit.
    expect(Array.from(layer.forward(x).dataSync())).toEqual(Array.from(base.forward(x).dataSync()));
    layer.lora.b.assign(tf.randomNormal([4, 8], 0, 1, 'float32', 10));
    const withoutDropout = tf.add(base.forward(x), tf.mul(tf.matMul(tf.matMul(x, layer.lora.a), layer.lora.b), 1));
    layer.eval();
    const evaluated = layer.forward(x);
    expect(tf.max(tf.abs(tf.sub(evaluated, withoutDropout))).dataSync()[0]).toBeLessThan(1e-5);
    layer.train();
    expect(tf.max(tf.abs(tf.sub(layer.forward(x), withoutDropout))).dataSync()[0]).toBeGreaterThan(1e-3);
    layer.dispose();
  });

  it('merge folds A·B·scaling into the base weight with equal outputs; unmerge restores it; both are idempotent', () => {
    const base = new Linear(12, 10, { random: createRandomGenerator(11) });
    const layer = new LoRALinear(base, { rank: 3, alpha: 6, random: createRandomGenerator(12) });
    layer.lora.b.assign(tf.randomNormal([3, 10], 0, 1, 'float32', 13));
    const original = matrix(base.weight);
    const delta = multiply(matrix(layer.lora.a), matrix(layer.lora.b)).map((row) => row.map((value) => 2 * value));
    const x = tf.randomNormal([4, 12], 0, 1, 'float32', 14);
    const unmergedOutput = layer.forward(x);

    expect(layer.merge()).toBe(true);
    expect(layer.merge()).toBe(false); // a second merge would add the update twice
    expect(layer.merged).toBe(true);
    const mergedWeight = matrix(base.weight);
    for (const [i, row] of original.entries()) {
      for (const [j, value] of row.entries())
        expect(mergedWeight[i]?.[j]).toBeCloseTo(value + (delta[i]?.[j] as number), 5);
    }
    expect(tf.max(tf.abs(tf.sub(layer.forward(x), unmergedOutput))).dataSync()[0]).toBeLessThan(1e-5);
    // While merged the adapter takes no part in forward, so it is not trainable either.
    expect(layer.lora.parameters().map((variable) => variable.trainable)).toEqual([false, false]);

    expect(layer.unmerge()).toBe(true);
    expect(layer.unmerge()).toBe(false);
    expect(layer.lora.parameters().map((variable) => variable.trainable)).toEqual([true, true]);
    const restored = matrix(base.weight);
    for (const [i, row] of original.entries()) {
      for (const [j, value] of row.entries()) expect(Math.abs((restored[i]?.[j] as number) - value)).toBeLessThan(1e-6);
    }
    layer.dispose();
  });

  it('refuses a bad rank, alpha or dropout, or a layer that is not a Linear, with E_LORA_ codes', () => {
    const base = new Linear(4, 4, { random: createRandomGenerator(15) });
    for (const rank of [0, -2, 1.5, Number.NaN]) {
      expect(() => new LoRALinear(base, { rank, alpha: 1 })).toThrow(/E_LORA_CONFIG: rank must be a positive integer/);
    }
    expect(() => new LoRALinear(base, { rank: 2, alpha: 0 })).toThrow(/E_LORA_CONFIG: alpha/);
    expect(() => new LoRALinear(base, { rank: 2, alpha: 2, dropout: 1 })).toThrow(/E_LORA_CONFIG: dropout/);
    expect(() => new LoRALinear(new Dropout(0.1) as unknown as Linear, { rank: 2, alpha: 2 })).toThrow(
      /E_LORA_TARGET: LoRALinear wraps a Linear, got Dropout/,
    );
    base.dispose();
  });
});
