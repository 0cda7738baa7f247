import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExportKind, initBackend, isTesseraError, type ServeContext } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatingMatrix } from '../data/rating-matrix.js';
import { createRatings } from '../data/ratings.js';
import { recommenderExportKind as exportedByName } from '../index.js';
import { BaselinePredictor } from '../models/baseline.js';
import { exportRecommender } from './export-recommender.js';
import { recommenderExportKind } from './recommender-export-kind.js';

const root = join(tmpdir(), `tessera-recsys-kind-${process.pid}`);
const quality: Record<string, number> = { a: 5, b: 4, c: 3.5, d: 2, e: 1 };

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const rows = [];
  for (const user of ['u1', 'u2', 'u3']) {
    for (const [item, rating] of Object.entries(quality)) {
      if (user === 'u1' && item !== 'a' && item !== 'b') continue; // u1 has seen a and b
      rows.push({ userId: user, itemId: item, rating });
    }
  }
  await exportRecommender(
    join(root, 'baseline'),
    new BaselinePredictor().fit(RatingMatrix.fromRatings(createRatings(rows))),
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

const context: ServeContext = {
  limits: { bodyLimitBytes: 1 << 20, maxPromptCharacters: 64, maxNewTokens: 8, maxBatch: 4, maxTextCharacters: 64 },
  signal: new AbortController().signal,
  run: (job) => job(),
  acquire: async () => () => undefined,
  log: { info: () => undefined, error: () => undefined },
};

describe('the recommender export kind', () => {
  it('is registered when @tessera/recsys is imported, and exported by name', () => {
    expect(findExportKind('recommender')).toBe(recommenderExportKind);
    expect(exportedByName).toBe(recommenderExportKind);
  });

  it("predicts and answers /v1/recommend with the user's best unseen items", async () => {
    const loaded = await recommenderExportKind.load(join(root, 'baseline'));
    try {
      const predictions = await recommenderExportKind.predict?.(loaded, ['u1'], { top: 2 });
      // Unseen by u1: c, d, e, in the order of their quality.
      expect(predictions?.[0]?.summary).toMatch(/^c \d+\.\d{4}, d \d+\.\d{4}$/);
      expect((predictions?.[0]?.value as { items: unknown[] } | undefined)?.items).toEqual(
        loaded.model.recommend('u1', 2),
      );
      const [route] = recommenderExportKind.routes;
      expect(route?.path).toBe('/v1/recommend');
      const answer = (await route?.handle(loaded, { userId: 'u1', count: 2, excludeSeen: false }, context)) as {
        items: { itemId: string }[];
      };
      expect(answer.items.map((item) => item.itemId)).toEqual(['a', 'b']);
      const unknown = await route?.handle(loaded, { userId: 'nobody' }, context).catch((error: unknown) => error);
      expect(isTesseraError(unknown, 'E_RECSYS_UNKNOWN_ID')).toBe(true);
      expect(recommenderExportKind.describe(loaded)).toMatchObject({ recommender: 'baseline', users: 3, items: 5 });
    } finally {
      recommenderExportKind.dispose(loaded);
    }
  });
});
