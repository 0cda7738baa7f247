import { initBackend } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossValidate } from './cross-validation.js';
import { makeTrainer, syntheticDataset } from './test-fixtures.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('crossValidate', () => {
  it('trains and evaluates once per stratified fold and summarises mean ± standard deviation', async () => {
    const dataset = syntheticDataset();
    const labels = Array.from({ length: dataset.length }, (_, i) => i % 3);
    const result = await crossValidate({
      dataset,
      folds: 3,
      labels,
      batchSize: 16,
      epochs: 6,
      createTrainer: () => makeTrainer({ totalSteps: 24 }) as never,
    });
    expect(result.folds.map((fold) => [fold.trainSize, fold.testSize])).toEqual([
      [64, 32],
      [64, 32],
      [64, 32],
    ]);
    for (const fold of result.folds) expect(fold.metrics.accuracy).toBeGreaterThan(0.8);
    const accuracies = result.folds.map((fold) => fold.metrics.accuracy as number);
    const mean = accuracies.reduce((a, b) => a + b) / 3;
    const deviation = Math.sqrt(accuracies.reduce((total, value) => total + (value - mean) ** 2, 0) / 2);
    expect(result.summary.accuracy?.mean).toBeCloseTo(mean, 12);
    expect(result.summary.accuracy?.standardDeviation).toBeCloseTo(deviation, 12);
    expect(Object.keys(result.summary)).toEqual(['loss', 'accuracy']);
  });
});
