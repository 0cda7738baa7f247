import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandomGenerator, initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeImageFile } from '../image/image-file.js';
import { LeNet5 } from '../models/lenet.js';
import { loadImageBatch, predictImageFiles } from './predict-image-files.js';
import { loadImageClassifier, saveImageClassifier } from './saved-image-classifier.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('predicting image files', () => {
  it('saves and reloads a classifier, then gives class probabilities for PNG and JPEG files', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tessera-predict-'));
    const model = new LeNet5({ random: createRandomGenerator(1) });
    const normalization = { mean: [0.1307], std: [0.3081] };
    await saveImageClassifier(directory, model, {
      architecture: 'lenet5',
      config: {},
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      normalization,
    });
    const { model: loaded, description } = await loadImageClassifier(directory);
    expect(description.architecture).toBe('lenet5');

    // A 56×56 RGB picture: converted to grey and resized to 28×28 on the way in.
    const pixels = new Uint8Array(56 * 56 * 3).map((_, index) => (index * 7) % 256);
    await writeImageFile(join(directory, 'digit.png'), { pixels, height: 56, width: 56, channels: 3 });
    await writeImageFile(join(directory, 'digit.jpg'), { pixels, height: 56, width: 56, channels: 3 });
    const paths = [join(directory, 'digit.png'), join(directory, 'digit.jpg')];
    const predictions = await predictImageFiles(loaded, paths, {
      inputShape: [28, 28, 1],
      normalization,
      classNames: description.classNames,
    });
    expect(predictions).toHaveLength(2);
    for (const prediction of predictions) {
      expect(prediction.probabilities).toHaveLength(10);
      expect(prediction.probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
      expect(prediction.predictedName).toBe(String(prediction.predictedClass));
    }
    // The reloaded model computes what the original does on the same preprocessed batch.
    const batch = await loadImageBatch(paths, { inputShape: [28, 28, 1], normalization });
    expect(batch.shape).toEqual([2, 28, 28, 1]);
    model.eval();
    const expected = tf.tidy(() => tf.softmax(model.forward(batch)));
    const values = await expected.data();
    predictions
      .flatMap((prediction) => prediction.probabilities)
      .forEach((value, index) => {
        expect(value).toBeCloseTo(values[index] as number, 5);
      });
    const tensors = tf.memory().numTensors;
    await predictImageFiles(loaded, paths, { inputShape: [28, 28, 1], normalization });
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([batch, expected]);
    model.dispose();
    loaded.dispose();
    await expect(loadImageClassifier(join(directory, 'nothing'))).rejects.toThrow(/E_VISION_MODEL/);
  });
});
