import { datasetFromColumns, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PoissonSampledLoader } from './poisson-sampled-loader.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Poisson sampling', () => {
  const dataset = datasetFromColumns({ value: Float32Array.from({ length: 2000 }, (_, index) => index) });

  it('includes each example independently with probability q', () => {
    const loader = new PoissonSampledLoader(dataset, { expectedBatchSize: 100, seed: 3 });
    expect(loader.samplingRate).toBe(0.05);
    expect(loader.length).toBe(20); // ⌊1/q⌋ steps per epoch
    const counts = new Float64Array(2000);
    const sizes: number[] = [];
    for (let epoch = 0; epoch < 25; epoch++) {
      for (const indices of loader.sampleIndices(epoch)) {
        sizes.push(indices.length);
        for (const index of indices) counts[index] = (counts[index] as number) + 1;
      }
    }
    const draws = sizes.length; // 500 batches
    const meanSize = sizes.reduce((a, b) => a + b) / draws;
    const sizeVariance = sizes.reduce((total, size) => total + (size - meanSize) ** 2, 0) / (draws - 1);
    expect(Math.abs(meanSize - 100)).toBeLessThan(4 * Math.sqrt(95 / draws)); // Binomial(2000, 0.05): variance 95
    expect(sizeVariance / 95).toBeGreaterThan(0.8);
    expect(sizeVariance / 95).toBeLessThan(1.2);
    // Each example's inclusion count is Binomial(500, 0.05): mean 25, variance 23.75, and no index is favoured.
    const meanCount = counts.reduce((a, b) => a + b) / 2000;
    const countVariance = counts.reduce((total, count) => total + (count - meanCount) ** 2, 0) / 1999;
    expect(countVariance / 23.75).toBeGreaterThan(0.85);
    expect(countVariance / 23.75).toBeLessThan(1.15);
    const firstHalf = counts.subarray(0, 1000).reduce((a, b) => a + b);
    expect(Math.abs(firstHalf / (meanCount * 2000) - 0.5)).toBeLessThan(0.01);
  });

  it('is a function of (seed, epoch), yields collated batches, and marks empty draws', async () => {
    const loader = new PoissonSampledLoader(dataset, { samplingRate: 0.01, seed: 9 });
    expect(loader.sampleIndices(2)).toEqual(
      new PoissonSampledLoader(dataset, { samplingRate: 0.01, seed: 9 }).sampleIndices(2),
    );
    expect(loader.sampleIndices(2)).not.toEqual(loader.sampleIndices(3));
    let batches = 0;
    for await (const batch of loader.iterate(0)) {
      const expected = loader.sampleIndices(0)[batches] as Int32Array;
      expect(Array.from(batch.value.dataSync())).toEqual(Array.from(expected));
      tf.dispose(batch);
      batches += 1;
      if (batches === 3) break;
    }
    const tiny = new PoissonSampledLoader(datasetFromColumns({ value: Float32Array.from([7, 8, 9]) }), {
      samplingRate: 0.01,
      stepsPerEpoch: 40,
      seed: 1,
    });
    let empty = 0;
    for await (const batch of tiny.iterate(0)) {
      if (tiny.isEmptyDraw(batch)) {
        empty += 1;
        expect(Array.from(batch.value.dataSync())).toEqual([7]); // the placeholder: example 0, weight 0
      }
      tf.dispose(batch);
    }
    expect(empty).toBeGreaterThan(30); // P(empty) = 0.99³ ≈ 0.97
    expect(() => new PoissonSampledLoader(dataset, { samplingRate: 0 })).toThrow(/E_DP_SAMPLER/);
    expect(() => new PoissonSampledLoader(dataset, { samplingRate: 0.1, expectedBatchSize: 5 })).toThrow(/exactly one/);
  });
});
