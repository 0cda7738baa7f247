import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../image/image-file.js';
import { createImageClassifier } from '../models/image-model-registry.js';
import { predictImageFiles } from '../predict/predict-image-files.js';
import { classifyImages, exportImageClassifier, loadImageClassifierExport } from './export-image-classifier.js';

const root = join(tmpdir(), `tessera-vision-export-${process.pid}`);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const description = {
  architecture: 'lenet5' as const,
  config: { classCount: 10 },
  classNames: Array.from({ length: 10 }, (_, digit) => String(digit)),
  normalization: { mean: [0.1307], std: [0.3081] },
};

/** A 28x28 grey digit-like picture: a bright vertical bar at `column`. */
function picture(column: number): Uint8Array {
  const data = new Uint8Array(28 * 28);
  for (let row = 4; row < 24; row++) for (let x = column; x < column + 3; x++) data[row * 28 + x] = 255;
  return encodePng({ width: 28, height: 28, channels: 1, pixels: data });
}

describe('image classifier export', () => {
  it('float32: identical logits after loading; preprocessing travels with the model', async () => {
    const model = createImageClassifier('lenet5', { classCount: 10, random: createRandomGenerator(4) }).eval();
    await exportImageClassifier(join(root, 'lenet'), model, description);
    const loaded = await loadImageClassifierExport(join(root, 'lenet'));
    expect(loaded.preprocessing).toEqual({
      inputShape: [28, 28, 1],
      normalization: description.normalization,
      classNames: description.classNames,
    });
    const images = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5);
    const expected = model.forward(images);
    const actual = loaded.model.forward(images);
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    const before = tf.memory().numTensors;
    const probabilities = classifyImages(loaded, [picture(5), picture(20)]);
    expect(tf.memory().numTensors).toBe(before);
    // The same files through the library's file-based prediction path (tessera predict's).
    await mkdir(join(root, 'pictures'), { recursive: true });
    const paths = [join(root, 'pictures', 'a.png'), join(root, 'pictures', 'b.png')];
    await writeFile(paths[0]!, picture(5));
    await writeFile(paths[1]!, picture(20));
    const reference = await predictImageFiles(model, paths, {
      inputShape: [28, 28, 1],
      normalization: description.normalization,
    });
    probabilities.forEach((row, index) => {
      row.forEach((probability, label) => {
        expect(probability).toBeCloseTo(reference[index]!.probabilities[label]!, 6);
      });
    });
    tf.dispose([images, expected, actual]);
    loaded.model.dispose();
    model.dispose();
  });

  it('int8: conv filters and dense weights quantized per output channel, outputs close', async () => {
    const model = createImageClassifier('lenet5', { classCount: 10, random: createRandomGenerator(6) }).eval();
    const manifest = await exportImageClassifier(join(root, 'lenet-int8'), model, description, {
      quantization: 'int8',
    });
    const quantized = manifest.quantization?.tensors ?? {};
    const filters = Object.entries(quantized).filter(([, entry]) => entry.shape.length === 4);
    expect(filters.length).toBeGreaterThan(0);
    for (const [, entry] of Object.values(quantized).entries()) expect(entry.axis).toBe(entry.shape.length - 1);
    const loaded = await loadImageClassifierExport(join(root, 'lenet-int8'));
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 7);
    const expected = tf.softmax(model.forward(images));
    const actual = tf.softmax(loaded.model.forward(images));
    const difference = tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0]!;
    expect(difference).toBeLessThan(0.01);
    tf.dispose([images, expected, actual]);
    loaded.model.dispose();
    model.dispose();
  });

  it('refuses normalization statistics that do not match the channels', async () => {
    const model = createImageClassifier('lenet5', { classCount: 10 });
    await expect(
      exportImageClassifier(join(root, 'bad'), model, {
        ...description,
        normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      }),
    ).rejects.toThrow(/E_IMAGE_NORMALIZE/);
    model.dispose();
  });
});
