import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../backend/gradients.js';
import { initBackend } from '../../backend/init-backend.js';
import { maximumError, torchReference } from '../../fixtures/torch/torch-reference.js';
import { createRandomGenerator } from '../../random/random-generator.js';
import { gelu, silu } from '../activations.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { LayerNorm, RMSNorm } from './normalization.js';

const reference = torchReference.layers;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('layers against PyTorch 1.13', () => {
  const x = () => tf.tensor3d(reference.x);

  it('LayerNorm and RMSNorm', async () => {
    const layerNorm = new LayerNorm(8);
    layerNorm.loadStateDict({ weight: tf.tensor1d(reference.weight), bias: tf.tensor1d(reference.bias) });
    expect(maximumError(await layerNorm.forward(x()).array(), reference.layerNorm)).toBeLessThan(1e-5);
    const rmsNorm = new RMSNorm(8);
    rmsNorm.loadStateDict({ weight: tf.tensor1d(reference.weight) });
    expect(maximumError(await rmsNorm.forward(x()).array(), reference.rmsNorm)).toBeLessThan(1e-5);
  });

  it('GELU (exact and tanh) and SiLU', async () => {
    expect(maximumError(await gelu(x()).array(), reference.geluExact)).toBeLessThan(1e-5);
    expect(maximumError(await gelu(x(), 'tanh').array(), reference.geluTanh)).toBeLessThan(1e-5);
    expect(maximumError(await silu(x()).array(), reference.silu)).toBeLessThan(1e-5);
  });

  it('Linear with PyTorch weights transposed to [in, out]', async () => {
    const linear = new Linear(8, 6);
    linear.loadStateDict({
      weight: tf.transpose(tf.tensor2d(reference.linearWeightOutIn)),
      bias: tf.tensor1d(reference.linearBias),
    });
    const y = linear.forward(x());
    expect(y.shape).toEqual([3, 5, 6]);
    expect(maximumError(await y.array(), reference.linear)).toBeLessThan(1e-5);
  });
});

describe('seeded initialisation and dropout', () => {
  it('the same seed gives the same weights; PyTorch default bounds hold', async () => {
    const a = new Linear(64, 32, { random: createRandomGenerator(9) });
    const b = new Linear(64, 32, { random: createRandomGenerator(9) });
    expect(await a.weight.data()).toEqual(await b.weight.data());
    const values = await a.weight.data();
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...values)).toBeLessThanOrEqual(bound);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...values)).toBeGreaterThan(0.9 * bound);
  });

  it('Dropout: scaled mask in training, identity in eval, repeatable from a seed', async () => {
    const input = tf.ones([1000]);
    const run = async () => {
      const dropout = new Dropout(0.25, { random: createRandomGenerator(4) });
      return Array.from(await dropout.forward(input).data());
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const kept = first.filter((value) => value !== 0);
    expect(kept.every((value) => Math.abs(value - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 1000 - 0.75)).toBeLessThan(0.05);
    const dropout = new Dropout(0.25).eval();
    expect(dropout.forward(input)).toBe(input);
  });

  it('Embedding: lookups, a zero padding row that gets no gradient, int32 ids required', async () => {
    const embedding = new Embedding(6, 3, { paddingIndex: 0, random: createRandomGenerator(2) });
    const ids = tf.tensor2d(
      [
        [0, 1],
        [5, 0],
      ],
      undefined,
      'int32',
    );
    const vectors = embedding.forward(ids);
    expect(vectors.shape).toEqual([2, 2, 3]);
    const table = (await embedding.weight.array()) as number[][];
    expect(table[0]?.map((value) => value + 0)).toEqual([0, 0, 0]); // + 0 turns −0 into 0
    const rows = (await vectors.array()) as number[][][];
    expect(rows[0]?.[1]).toEqual(table[1]);
    const gradient = tf.grad((weight: tf.Tensor) => tf.sum(tf.gather(weight, tf.tensor1d([0, 1], 'int32'))))(
      embedding.weight,
    );
    expect((await gradient.array()) as number[][]).toEqual([
      [1, 1, 1],
      [1, 1, 1],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const [viaLayer] = tf.grads(() => tf.sum(embedding.forward(tf.tensor1d([0, 1], 'int32'))))([embedding.weight]);
    expect(((await (viaLayer as tf.Tensor).array()) as number[][])[0]).toEqual([0, 0, 0]);
    expect(() => embedding.forward(tf.tensor1d([1, 2]))).toThrow(/E_LAYER_INPUT/);
  });
});
