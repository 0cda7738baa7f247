import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { BaselinePredictor } from '../models/baseline.js';
import { BayesianPersonalizedRanking } from '../models/bayesian-personalized-ranking.js';
import { BiasedMatrixFactorization } from '../models/biased-matrix-factorization.js';
import { ImplicitAlternatingLeastSquares } from '../models/implicit-alternating-least-squares.js';
import { NeighbourhoodModel } from '../models/neighbourhood.js';
import type { Recommender } from '../models/recommender.js';
import { NeuralRecommender } from '../neural/neural-recommender.js';
import { referenceRatings } from '../test-helpers.js';
import { loadRecommender, saveRecommender } from './save-load.js';

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'recsys-save-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const matrix = RatingMatrix.fromRatings(referenceRatings(), { scale: { minimum: 1, maximum: 5 } });

const cases: Array<[string, () => Recommender | Promise<Recommender>]> = [
  ['baseline', () => new BaselinePredictor().fit(matrix)],
  ['biased-matrix-factorization', () => new BiasedMatrixFactorization({ factors: 5 }).fit(matrix)],
  [
    'neighbourhood (item-based, baseline)',
    () => new NeighbourhoodModel({ basedOn: 'item', prediction: 'baseline', neighbours: 3 }).fit(matrix),
  ],
  ['bayesian-personalized-ranking', () => new BayesianPersonalizedRanking({ epochs: 3 }).fit(matrix)],
  [
    'implicit-alternating-least-squares',
    () => new ImplicitAlternatingLeastSquares({ factors: 3, epochs: 2 }).fit(matrix),
  ],
  [
    'neural deepfm',
    () =>
      new NeuralRecommender({
        architecture: 'deepfm',
        objective: 'rating',
        epochs: 2,
        batchSize: 16,
        embeddingDimension: 4,
      }).fit(matrix),
  ],
];

describe('saveRecommender / loadRecommender', () => {
  it.each(cases)('%s predicts, recommends and finds similar items the same after a round trip', async (name, train) => {
    const model = await train();
    const path = join(directory, name.replace(/\W+/g, '-'));
    await saveRecommender(model, path);
    const loaded = await loadRecommender(path);
    expect(loaded.kind).toBe(model.kind);
    expect(loaded.constructor).toBe(model.constructor);
    expect(loaded.matrix.users.ids()).toEqual(matrix.users.ids());
    for (const user of ['u0', 'u3', 'stranger'])
      for (const item of ['i0', 'i4', 'unknown']) {
        expect(loaded.predict(user, item)).toBeCloseTo(model.predict(user, item), 5);
      }
    expect(loaded.recommend('u3', 4).map((entry) => entry.itemId)).toEqual(
      model.recommend('u3', 4).map((entry) => entry.itemId),
    );
    expect(loaded.similarItems('i2', 3).map((entry) => entry.itemId)).toEqual(
      model.similarItems('i2', 3).map((entry) => entry.itemId),
    );
    expect(loaded.epochSeconds).toEqual(model.epochSeconds);
    (model as { dispose?: () => void }).dispose?.();
    (loaded as { dispose?: () => void }).dispose?.();
  });

  it('loading leaves no tensors behind', async () => {
    const path = join(directory, 'baseline-memory');
    await saveRecommender(new BaselinePredictor().fit(matrix), path);
    const before = tf.memory().numTensors;
    await loadRecommender(path);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains a missing directory, a foreign config, an unknown kind and mismatched arrays', async () => {
    await expect(loadRecommender(join(directory, 'nothing-here'))).rejects.toThrow(
      /E_RECSYS_MODEL_FILE: cannot read config.json/,
    );
    const path = join(directory, 'broken');
    await saveRecommender(new BiasedMatrixFactorization({ factors: 2, epochs: 1 }).fit(matrix), path);
    const config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8'));
    await writeFile(join(path, 'config.json'), JSON.stringify({ ...config, format: 'other' }));
    await expect(loadRecommender(path)).rejects.toThrow(/not a tessera-recsys v1 model/);
    await writeFile(join(path, 'config.json'), JSON.stringify({ ...config, kind: 'magic' }));
    await expect(loadRecommender(path)).rejects.toThrow(/unknown model kind 'magic'/);
    await writeFile(join(path, 'config.json'), JSON.stringify({ ...config, config: { ...config.config, factors: 3 } }));
    await expect(loadRecommender(path)).rejects.toThrow(
      /E_RECSYS_MODEL_FILE: the saved model has 'userFactors' with 16 values, expected 24/,
    );
    await writeFile(join(path, 'config.json'), '{ not json');
    await expect(loadRecommender(path)).rejects.toThrow(/not valid JSON/);
  });
});
