import { initBackend, Linear, Module, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReferenceCase, referenceCase } from '../per-example/test-models.js';
import { DifferentiallyPrivateSGD } from './differentially-private-sgd.js';
import { privateStep } from './test-data.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function maximumRelativeError(actual: tf.Tensor, expected: unknown): number {
  const a = actual.dataSync();
  const b = (expected as number[]).flat(Number.POSITIVE_INFINITY) as number[];
  let difference = 0;
  let scale = 1e-3;
  b.forEach((value, index) => {
    difference = Math.max(difference, Math.abs((a[index] as number) - value));
    scale = Math.max(scale, Math.abs(value));
  });
  return difference / scale;
}

describe('the DP-SGD gradient', () => {
  it.each(['sequenceMlp', 'smallCnn', 'singleChannelCnn', 'embeddingModel'] as ReferenceCase[])(
    '%s: Σ clip_C(gᵢ) / expected batch size equals PyTorch’s, with the clipped fraction reported',
    (name) => {
      const { model, reference, batch } = referenceCase(name);
      const privacy = new DifferentiallyPrivateSGD(model, {
        noiseMultiplier: 0,
        maxGradientNorm: reference.maxGradientNorm,
        expectedBatchSize: reference.expectedBatchSize,
        samplingRate: 0.01,
      });
      const result = privateStep(privacy, model, batch);
      for (const [parameter, expected] of Object.entries(reference.clippedMean)) {
        expect(maximumRelativeError(result[parameter] as tf.Tensor, expected), parameter).toBeLessThan(1e-5);
      }
      const norms = reference.norms as number[];
      const clipped = norms.filter((norm) => norm > reference.maxGradientNorm).length / norms.length;
      expect(privacy.lastStep?.clippedFraction).toBeCloseTo(clipped, 10);
      expect(privacy.lastStep?.meanGradientNorm).toBeCloseTo(norms.reduce((a, b) => a + b) / norms.length, 4);
      expect(privacy.accountant.steps).toBe(1);
      tf.dispose([...Object.values(result), batch.features, batch.labels]);
      privacy.detach();
      model.dispose();
    },
  );

  it('clips each example to norm C: one example scaled to exactly C, a small one untouched', () => {
    const { model, reference, batch } = referenceCase('sequenceMlp');
    const norms = reference.norms as number[];
    for (const [example, expectedNorm] of [
      [1, 1], // norm 3.17 > C = 1: clipped to 1
      [0, norms[0] as number], // norm 1.34 < C = 2: unchanged
    ]) {
      const maxGradientNorm = example === 1 ? 1 : 2;
      const privacy = new DifferentiallyPrivateSGD(model, {
        noiseMultiplier: 0,
        maxGradientNorm,
        expectedBatchSize: 1,
        samplingRate: 0.01,
      });
      const single = { features: tf.slice(batch.features, example, 1), labels: tf.slice(batch.labels, example, 1) };
      const result = privateStep(privacy, model, single);
      const norm = Math.sqrt(
        Object.values(result).reduce((total, g) => total + (tf.sum(tf.square(g)).dataSync()[0] as number), 0),
      );
      expect(norm).toBeCloseTo(expectedNorm as number, 4);
      tf.dispose([...Object.values(result), single.features, single.labels]);
      privacy.detach();
    }
    tf.dispose([batch.features, batch.labels]);
  });

  it('adds N(0, σ²C²) noise: empirical moments and tails of a pure-noise step; seeded noise repeats', () => {
    class Wide extends Module<[tf.Tensor], tf.Tensor> {
      readonly layer = this.registerModule('layer', new Linear(150, 100));
      forward(x: tf.Tensor) {
        return this.layer.forward(x);
      }
    }
    const model = new Wide();
    const batch = { features: tf.ones([2, 150]), labels: tf.tensor1d([0, 1], 'int32') };
    const options = { noiseMultiplier: 1.3, maxGradientNorm: 0.7, expectedBatchSize: 4, samplingRate: 0.01 };
    // An empty Poisson draw: every example gets weight 0, so the update is the noise / 4.
    const privacy = new DifferentiallyPrivateSGD(model, { ...options, seed: 42, isEmptyDraw: () => true });
    const noise = privateStep(privacy, model, batch, 3);
    const values = [
      ...(noise['layer.weight'] as tf.Tensor).dataSync(),
      ...(noise['layer.bias'] as tf.Tensor).dataSync(),
    ];
    const std = (1.3 * 0.7) / 4;
    const mean = values.reduce((a, b) => a + b) / values.length;
    const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length;
    expect(values.length).toBe(15100);
    expect(Math.abs(mean)).toBeLessThan((4 * std) / Math.sqrt(values.length));
    expect(Math.sqrt(variance) / std).toBeGreaterThan(0.97);
    expect(Math.sqrt(variance) / std).toBeLessThan(1.03);
    const beyondTwo = values.filter((value) => Math.abs(value) > 2 * std).length / values.length;
    expect(beyondTwo).toBeGreaterThan(0.0455 - 0.007); // P(|Z| > 2) = 4.55%
    expect(beyondTwo).toBeLessThan(0.0455 + 0.007);
    expect(privacy.lastStep?.batchSize).toBe(0);

    const again = new DifferentiallyPrivateSGD(model, { ...options, seed: 42, isEmptyDraw: () => true });
    const repeated = privateStep(again, model, batch, 3);
    expect(Array.from((repeated['layer.bias'] as tf.Tensor).dataSync())).toEqual(
      Array.from((noise['layer.bias'] as tf.Tensor).dataSync()),
    );
    const nextStep = privateStep(again, model, batch, 4);
    expect((nextStep['layer.bias'] as tf.Tensor).dataSync()[0]).not.toBe(
      (noise['layer.bias'] as tf.Tensor).dataSync()[0],
    );
    const secure = new DifferentiallyPrivateSGD(model, { ...options, isEmptyDraw: () => true });
    expect(secure.noise.source).toBe('secure');
    const secureNoise = privateStep(secure, model, batch, 3);
    expect((secureNoise['layer.bias'] as tf.Tensor).dataSync()[0]).not.toBe(
      (noise['layer.bias'] as tf.Tensor).dataSync()[0],
    );
    tf.dispose([
      ...Object.values(noise),
      ...Object.values(repeated),
      ...Object.values(nextStep),
      ...Object.values(secureNoise),
    ]);
    tf.dispose([batch.features, batch.labels]);
    for (const attached of [privacy, again, secure]) attached.detach();
  });
});
