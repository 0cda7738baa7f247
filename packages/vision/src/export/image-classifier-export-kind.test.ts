import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, findExportKind, initBackend, type ServeContext, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../image/image-file.js';
import { imageClassifierExportKind as exportedByName } from '../index.js';
import { createImageClassifier } from '../models/image-model-registry.js';
import { classifyImages, exportImageClassifier } from './export-image-classifier.js';
import { imageClassifierExportKind } from './image-classifier-export-kind.js';

const root = join(tmpdir(), `tessera-vision-kind-${process.pid}`);
const classNames = Array.from({ length: 10 }, (_, digit) => `digit ${digit}`);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  await mkdir(root, { recursive: true });
  const model = createImageClassifier('lenet5', { classCount: 10, random: createRandomGenerator(5) });
  await exportImageClassifier(join(root, 'lenet'), model, {
    architecture: 'lenet5',
    config: { classCount: 10 },
    classNames,
  });
  model.dispose();
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A 28x28 grey picture with a bright bar at `column`. */
function picture(column: number): Uint8Array {
  const pixels = new Uint8Array(28 * 28);
  for (let row = 4; row < 24; row++) for (let x = column; x < column + 3; x++) pixels[row * 28 + x] = 255;
  return encodePng({ width: 28, height: 28, channels: 1, pixels });
}

/** Runs jobs at once: the route's view of a server. */
const context: ServeContext = {
  limits: { bodyLimitBytes: 1 << 20, maxPromptCharacters: 64, maxNewTokens: 8, maxBatch: 4, maxTextCharacters: 64 },
  signal: new AbortController().signal,
  run: (job) => job(),
  acquire: async () => () => undefined,
  log: { info: () => undefined, error: () => undefined },
};

describe('the image-classifier export kind', () => {
  it('is registered when @tessera/vision is imported, and exported by name', () => {
    expect(findExportKind('image-classifier')).toBe(imageClassifierExportKind);
    expect(exportedByName).toBe(imageClassifierExportKind);
  });

  it('predicts image files and answers /v1/classify with the probabilities classifyImages gives', async () => {
    const loaded = await imageClassifierExportKind.load(join(root, 'lenet'));
    const tensors = tf.memory().numTensors;
    try {
      const images = [picture(5), picture(20)];
      const paths = images.map((_, index) => join(root, `picture-${index}.png`));
      await Promise.all(images.map((bytes, index) => writeFile(paths[index] as string, bytes)));
      const reference = classifyImages(loaded, images);

      const predictions = await imageClassifierExportKind.predict?.(loaded, paths, { top: 2 });
      expect(predictions?.map((prediction) => prediction.input)).toEqual(paths);
      predictions?.forEach((prediction, index) => {
        const row = reference[index] as number[];
        const best = [...row.keys()].sort((a, b) => (row[b] as number) - (row[a] as number)).slice(0, 2);
        expect(prediction.summary).toBe(
          best.map((label) => `digit ${label} ${(100 * (row[label] as number)).toFixed(1)}%`).join(', '),
        );
      });

      const [route] = imageClassifierExportKind.routes;
      expect(route?.path).toBe('/v1/classify');
      const answer = (await route?.handle(
        loaded,
        { images: images.map((bytes) => Buffer.from(bytes).toString('base64')), top: 3 },
        context,
      )) as { predictions: { label: string; probability: number }[][] };
      answer.predictions.forEach((ranked, index) => {
        expect(ranked).toHaveLength(3);
        for (const { label, probability } of ranked) {
          expect(probability).toBeCloseTo(reference[index]?.[classNames.indexOf(label)] as number, 6);
        }
        expect(ranked[0]?.probability).toBe(Math.max(...(reference[index] as number[])));
      });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(imageClassifierExportKind.describe(loaded)).toMatchObject({
        architecture: 'lenet5',
        inputShape: [28, 28, 1],
        classNames,
      });
    } finally {
      imageClassifierExportKind.dispose(loaded);
    }
  });
});
