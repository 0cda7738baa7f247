import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, initBackend } from '@tessera/core';
import { BaselinePredictor, createRatings, exportRecommender, RatingMatrix } from '@tessera/recsys';
import { createImageClassifier, encodePng, exportImageClassifier } from '@tessera/vision';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';

let directory: string;
let imageServer: FastifyInstance;
let recommenderServer: FastifyInstance;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-serve-kinds-'));
  const classifier = createImageClassifier('lenet5', { classCount: 10, random: createRandomGenerator(1) });
  await exportImageClassifier(
    join(directory, 'lenet'),
    classifier,
    {
      architecture: 'lenet5',
      config: { classCount: 10 },
      classNames: 'zero one two three four five six seven eight nine'.split(' '),
    },
    { quantization: 'int8' },
  );
  classifier.dispose();
  // Items a…e with clearly ordered quality; u1 has seen a and b.
  const quality: Record<string, number> = { a: 5, b: 4, c: 3.5, d: 2, e: 1 };
  const rows = [];
  for (const user of ['u1', 'u2', 'u3']) {
    for (const [item, rating] of Object.entries(quality)) {
      if (user === 'u1' && !['a', 'b'].includes(item)) continue;
      rows.push({ userId: user, itemId: item, rating });
    }
  }
  await exportRecommender(
    join(directory, 'baseline'),
    new BaselinePredictor().fit(RatingMatrix.fromRatings(createRatings(rows))),
  );
  imageServer = await createInferenceServer({ exportDirectory: join(directory, 'lenet'), logger: false });
  recommenderServer = await createInferenceServer({ exportDirectory: join(directory, 'baseline'), logger: false });
});

afterAll(async () => {
  await imageServer.close();
  await recommenderServer.close();
  await rm(directory, { recursive: true, force: true });
});

const post = (app: FastifyInstance, url: string, payload: unknown) =>
  app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });

describe('serving an image classifier', () => {
  const png = Buffer.from(
    encodePng({ width: 28, height: 28, channels: 1, pixels: new Uint8Array(28 * 28).fill(200) }),
  ).toString('base64');

  it('classifies base64 PNGs with the exported class names', async () => {
    const response = await post(imageServer, '/v1/classify', { images: [png, png], top: 3 });
    expect(response.statusCode).toBe(200);
    const { predictions } = response.json() as { predictions: { label: string; probability: number }[][] };
    expect(predictions).toHaveLength(2);
    expect(predictions[0]).toHaveLength(3);
    expect('zero one two three four five six seven eight nine'.split(' ')).toContain(predictions[0]![0]!.label);
    expect(predictions[0]![0]!.probability).toBeGreaterThanOrEqual(predictions[0]![1]!.probability);
  });

  it('answers 400 for text instead of images, non-base64 data and bytes that are no image', async () => {
    for (const payload of [
      { texts: ['a digit'] },
      { images: ['not base64 at all!'] },
      { images: [Buffer.from('just some text, no PNG').toString('base64')] },
    ]) {
      const response = await post(imageServer, '/v1/classify', payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message.length).toBeGreaterThan(10);
    }
    expect((await imageServer.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});

describe('serving a recommender', () => {
  it("recommends the user's best unseen items", async () => {
    const response = await post(recommenderServer, '/v1/recommend', { userId: 'u1', count: 2 });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((item: { itemId: string }) => item.itemId)).toEqual(['c', 'd']);
    const withSeen = await post(recommenderServer, '/v1/recommend', { userId: 'u1', count: 2, excludeSeen: false });
    expect(withSeen.json().items.map((item: { itemId: string }) => item.itemId)).toEqual(['a', 'b']);
  });

  it('404 for an unknown user, 400 for bad counts and unknown fields', async () => {
    const unknown = await post(recommenderServer, '/v1/recommend', { userId: 'nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('E_RECSYS_UNKNOWN_ID');
    for (const payload of [{ userId: 'u1', count: 0 }, { userId: 'u1', k: 3 }, { userId: ['u1'] }, {}]) {
      expect((await post(recommenderServer, '/v1/recommend', payload)).statusCode).toBe(400);
    }
    const model = await recommenderServer.inject({ method: 'GET', url: '/v1/model' });
    expect(model.json()).toMatchObject({ kind: 'recommender', endpoint: 'POST /v1/recommend' });
  });
});
