import { initBackend } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hyperparameterSearch } from './hyperparameter-search.js';
import { makeLoader, makeTrainer } from './test-fixtures.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('hyperparameterSearch', () => {
  it('grid search walks every combination in order, within the budget, and ranks by score', async () => {
    const seen: unknown[] = [];
    const result = await hyperparameterSearch({
      space: { width: { kind: 'choice', values: [8, 16] }, layers: { kind: 'integer', low: 1, high: 3 } },
      strategy: 'grid',
      mode: 'max',
      objective: async (point) => {
        seen.push(point);
        return point.width * point.layers;
      },
    });
    expect(seen).toEqual([
      { width: 8, layers: 1 },
      { width: 8, layers: 2 },
      { width: 8, layers: 3 },
      { width: 16, layers: 1 },
      { width: 16, layers: 2 },
      { width: 16, layers: 3 },
    ]);
    expect(result.best.point).toEqual({ width: 16, layers: 3 });
    expect(result.table().split('\n').slice(0, 3)).toEqual([
      'trial  width  layers  score',
      '-----  -----  ------  -----',
      '5      16     3       48',
    ]);
    const capped = await hyperparameterSearch({
      space: { a: { kind: 'choice', values: [1, 2, 3] } },
      strategy: 'grid',
      trials: 2,
      objective: async () => 0,
    });
    expect(capped.trials).toHaveLength(2);
  });

  it('random search is repeatable from its seed and stays inside each range', async () => {
    const run = () =>
      hyperparameterSearch({
        space: {
          learningRate: { kind: 'logUniform', low: 1e-4, high: 1e-1 },
          dropout: { kind: 'uniform', low: 0, high: 0.5 },
        },
        strategy: 'random',
        trials: 20,
        seed: 4,
        objective: async (point) => point.learningRate,
      });
    const first = await run();
    expect((await run()).trials.map((trial) => trial.point)).toEqual(first.trials.map((trial) => trial.point));
    for (const { point } of first.trials) {
      expect(point.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(point.learningRate).toBeLessThanOrEqual(1e-1);
      expect(point.dropout).toBeLessThan(0.5);
    }
    expect(first.best.score).toBe(Math.min(...first.trials.map((trial) => trial.score)));
    await expect(
      hyperparameterSearch({
        space: { x: { kind: 'uniform', low: 0, high: 1 } },
        strategy: 'grid',
        objective: async () => 0,
      }),
    ).rejects.toThrow(/E_SEARCH_SPACE/);
    await expect(
      hyperparameterSearch({
        space: { x: { kind: 'uniform', low: 0, high: 1 } },
        strategy: 'random',
        objective: async () => 0,
      }),
    ).rejects.toThrow(/E_SEARCH_OPTIONS/);
  });

  it('searches learning rates for a real training run and reports metrics in the table', async () => {
    const result = await hyperparameterSearch({
      space: { learningRate: { kind: 'choice', values: [1e-5, 2e-2] } },
      strategy: 'grid',
      objective: async (point) => {
        const trainer = makeTrainer({ learningRate: point.learningRate });
        await trainer.fit(makeLoader(), { maxSteps: 12 });
        const { loss, metrics } = await trainer.evaluate(makeLoader({ shuffle: false }));
        return { score: loss, metrics };
      },
    });
    expect(result.best.point.learningRate).toBe(2e-2);
    expect(result.table()).toMatch(/^trial {2}learningRate {2}score {3}accuracy$/m);
  });
});
