import { createRandomGenerator, isTesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { partitionByDirichlet } from './dirichlet-partition.js';
import { apportion, sampleDirichlet, sampleLogGamma } from './dirichlet-sample.js';
import { partitionIid } from './iid-partition.js';
import { partitionByLabelShards } from './label-shard-partition.js';
import { type ClientPartition, labelCountsPerClient } from './partition.js';

/** Every index in [0, count) exactly once across the clients. */
function expectExactCover(partition: ClientPartition, count: number): void {
  const seen = new Uint8Array(count);
  for (const indices of partition) for (const index of indices) seen[index] = (seen[index] as number) + 1;
  expect(Array.from(seen).every((times) => times === 1)).toBe(true);
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}

function variance(values: number[]): number {
  const center = mean(values);
  return values.reduce((total, value) => total + (value - center) ** 2, 0) / (values.length - 1);
}

// 10 classes × 60 examples, interleaved as a shuffled real dataset would be.
const labels = Int32Array.from({ length: 600 }, (_, index) => index % 10);

describe('partitionIid', () => {
  it("gives MNIST's 100 clients 600 examples each, covering every example once", () => {
    const partition = partitionIid(60_000, { clientCount: 100, seed: 1 });
    expect(partition.map((indices) => indices.length)).toEqual(new Array(100).fill(600));
    expectExactCover(partition, 60_000);
  });

  it('splits uneven counts into sizes that differ by at most one, deterministically by seed', () => {
    const partition = partitionIid(103, { clientCount: 10, seed: 7 });
    expect(partition.map((indices) => indices.length)).toEqual([11, 11, 11, 10, 10, 10, 10, 10, 10, 10]);
    expectExactCover(partition, 103);
    expect(partitionIid(103, { clientCount: 10, seed: 7 })).toEqual(partition);
    expect(partitionIid(103, { clientCount: 10, seed: 8 })).not.toEqual(partition);
  });

  it('is IID: every client sees roughly the overall label distribution', () => {
    const counts = labelCountsPerClient(labels, partitionIid(600, { clientCount: 5, seed: 3 }));
    // 120 examples per client, 12 expected per class; a binomial(120, 0.1) stays within 12 ± 10.
    for (const perClass of counts) for (const count of perClass) expect(Math.abs(count - 12)).toBeLessThanOrEqual(10);
  });

  it('rejects more clients than examples', () => {
    expect(() => partitionIid(5, { clientCount: 6 })).toThrow(/E_PARTITION_OPTIONS: partitionIid: 6 clients/);
  });
});

describe('partitionByLabelShards', () => {
  it('gives every client at most shardsPerClient labels (the pathological non-IID split)', () => {
    const partition = partitionByLabelShards(labels, { clientCount: 10, shardsPerClient: 2, seed: 5 });
    expectExactCover(partition, 600);
    expect(partition.map((indices) => indices.length)).toEqual(new Array(10).fill(60));
    const counts = labelCountsPerClient(labels, partition);
    for (const perClass of counts) {
      const present = perClass.filter((count) => count > 0);
      expect(present.length).toBeLessThanOrEqual(2);
      // Shards of 30 consecutive same-label examples: each present label contributes whole shards.
      for (const count of present) expect(count % 30).toBe(0);
    }
    // Across clients every label is used (the shards cover the whole dataset).
    expect(counts.reduce((total, perClass) => total + perClass.filter((count) => count > 0).length, 0)).toBeGreaterThan(
      10,
    );
  });

  it('keeps every example when shard sizes do not divide evenly', () => {
    const uneven = Int32Array.from({ length: 101 }, (_, index) => index % 3);
    const partition = partitionByLabelShards(uneven, { clientCount: 4, shardsPerClient: 3, seed: 0 });
    expectExactCover(partition, 101);
  });

  it('rejects labels that are not class indices and too many shards', () => {
    expect(() => partitionByLabelShards([0, 1.5], { clientCount: 1 })).toThrow(/E_PARTITION_LABELS/);
    expect(() => partitionByLabelShards([0, 1, 2], { clientCount: 2, shardsPerClient: 2 })).toThrow(
      /4 shards \(2 clients × 2\) but only 3 examples/,
    );
  });
});

describe('Dirichlet sampling', { timeout: 30_000 }, () => {
  // E[log X] = ψ(a) and Var[log X] = ψ'(a) for X ~ Gamma(a, 1); ψ(1/2) = −γ − 2 ln 2, ψ'(1/2) = π²/2,
  // ψ(1) = −γ, ψ'(1) = π²/6. The shape-1/2 case exercises the log-space boost for shapes below 1.
  const eulerGamma = 0.5772156649015329;
  it.each([
    [0.5, -eulerGamma - 2 * Math.LN2, Math.PI ** 2 / 2],
    [1, -eulerGamma, Math.PI ** 2 / 6],
  ])('log Gamma(%f) has mean ψ(a) and variance ψ′(a)', (shape, digamma, trigamma) => {
    const random = createRandomGenerator(11);
    const samples = Array.from({ length: 40_000 }, () => sampleLogGamma(shape, random));
    const standardError = Math.sqrt(trigamma / samples.length);
    expect(Math.abs(mean(samples) - digamma)).toBeLessThan(5 * standardError);
    expect(variance(samples) / trigamma).toBeCloseTo(1, 1);
  });

  it('Gamma(a) for a ≥ 1 has mean a and variance a', () => {
    const random = createRandomGenerator(12);
    const samples = Array.from({ length: 40_000 }, () => Math.exp(sampleLogGamma(3.5, random)));
    expect(Math.abs(mean(samples) - 3.5)).toBeLessThan(5 * Math.sqrt(3.5 / samples.length));
    expect(variance(samples) / 3.5).toBeCloseTo(1, 1);
  });

  it.each([0.1, 1, 10])('symmetric Dir(%f) over 5 clients: E[p] = 1/K, Var[p] = (K−1)/(K²(Kα+1))', (alpha) => {
    const random = createRandomGenerator(13);
    const size = 5;
    const firstComponent: number[] = [];
    for (let draw = 0; draw < 20_000; draw++) {
      const sample = sampleDirichlet(size, alpha, random);
      expect(sample.reduce((total, value) => total + value, 0)).toBeCloseTo(1, 12);
      firstComponent.push(sample[0] as number);
    }
    const expectedVariance = (size - 1) / (size * size * (size * alpha + 1));
    expect(Math.abs(mean(firstComponent) - 1 / size)).toBeLessThan(5 * Math.sqrt(expectedVariance / 20_000));
    expect(variance(firstComponent) / expectedVariance).toBeCloseTo(1, 1);
  });

  it('stays finite for tiny concentrations, where U^(1/α) underflows', () => {
    const sample = sampleDirichlet(4, 0.001, createRandomGenerator(1));
    expect(sample.every(Number.isFinite)).toBe(true);
    expect(sample.reduce((total, value) => total + value, 0)).toBeCloseTo(1, 12);
  });

  it('apportions by largest remainder (Hamilton): counts sum to the total', () => {
    expect(Array.from(apportion(10, [0.45, 0.35, 0.2]))).toEqual([5, 3, 2]);
    expect(Array.from(apportion(7, [1 / 3, 1 / 3, 1 / 3]))).toEqual([3, 2, 2]);
  });
});

describe('partitionByDirichlet', () => {
  it('covers every example once and gives every client at least the minimum', () => {
    const partition = partitionByDirichlet(labels, {
      clientCount: 8,
      concentration: 0.3,
      minimumExamplesPerClient: 5,
      seed: 2,
    });
    expectExactCover(partition, 600);
    for (const indices of partition) expect(indices.length).toBeGreaterThanOrEqual(5);
  });

  it('skews labels more as the concentration falls', () => {
    // Mean over clients of the largest class share: 0.1 for a perfectly IID split, near 1 when skewed.
    const dominance = (alpha: number) => {
      const counts = labelCountsPerClient(
        labels,
        partitionByDirichlet(labels, { clientCount: 6, concentration: alpha }),
      );
      return mean(counts.map((perClass) => Math.max(...perClass) / perClass.reduce((a, b) => a + b, 0)));
    };
    expect(dominance(0.05)).toBeGreaterThan(0.5);
    expect(dominance(1000)).toBeLessThan(0.2);
  });

  it('fails with a clear error when the minimum cannot be met', () => {
    const error = (() => {
      try {
        partitionByDirichlet(labels, {
          clientCount: 50,
          concentration: 0.01,
          minimumExamplesPerClient: 12,
          maxAttempts: 3,
        });
      } catch (caught) {
        return caught;
      }
    })();
    expect(isTesseraError(error, 'E_PARTITION_DIRICHLET')).toBe(true);
    expect(String(error)).toMatch(/after 3 draws some client still had fewer than 12 examples/);
  });
});
