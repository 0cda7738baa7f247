import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { createRatings } from '../data/ratings.js';
import { BiasedMatrixFactorization } from '../models/biased-matrix-factorization.js';
import { exportRecommender, loadRecommenderExport } from './export-recommender.js';

const root = join(tmpdir(), `tessera-recsys-export-${process.pid}`);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rm(root, { recursive: true, force: true }));

function ratings() {
  const rows = [];
  for (let user = 0; user < 12; user++) {
    for (let item = 0; item < 15; item++) {
      if ((user * 7 + item * 3) % 4 === 0) continue; // leave some unseen
      rows.push({ userId: `u${user}`, itemId: `i${item}`, rating: 1 + ((user + 2 * item) % 5) });
    }
  }
  return RatingMatrix.fromRatings(createRatings(rows));
}

describe('recommender export', () => {
  it('round-trips matrix factorization: same predictions, same unseen recommendations, same id maps', async () => {
    const model = new BiasedMatrixFactorization({ factors: 4, epochs: 5, seed: 1 }).fit(ratings());
    const manifest = await exportRecommender(join(root, 'mf'), model);
    expect(manifest.kind).toBe('recommender');
    expect(manifest.files.map((file) => file.path).sort()).toEqual([
      'config.json',
      'items.json',
      'model.safetensors',
      'users.json',
    ]);
    const loaded = await loadRecommenderExport(join(root, 'mf'));
    expect(loaded.model.kind).toBe('biased-matrix-factorization');
    for (const user of ['u0', 'u5', 'u11']) {
      expect(loaded.model.recommend(user, 5, { excludeSeen: true })).toEqual(
        model.recommend(user, 5, { excludeSeen: true }),
      );
      // Factors are stored as float32 (as saveRecommender does); the model computes in float64.
      expect(loaded.model.predict(user, 'i3')).toBeCloseTo(model.predict(user, 'i3'), 6);
    }
  });

  it('refuses an untrained model and a wrong kind of export', async () => {
    expect(() => new BiasedMatrixFactorization().matrix).toThrow(/E_RECSYS/);
    await expect(exportRecommender(join(root, 'untrained'), new BiasedMatrixFactorization())).rejects.toThrow(
      /E_RECSYS/,
    );
  });
});
