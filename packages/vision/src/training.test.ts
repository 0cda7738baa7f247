import { Adam, createRandomGenerator, initBackend, tf } from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageLoader } from './data/image-loader.js';
import { ConvolutionalAutoencoder } from './models/autoencoders.js';
import { SmallConvNet } from './models/small-convnet.js';
import { imageClassificationTask } from './tasks/image-classification-task.js';
import { reconstructionTask } from './tasks/reconstruction-task.js';
import { barImages } from './testing/bar-images.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('training vision models through the Trainer', () => {
  it('a small CNN learns bar orientation; memory stays flat in training and prediction', async () => {
    const train = barImages(128, 1);
    const test = barImages(32, 2);
    const model = new SmallConvNet({
      inputShape: [12, 12, 1],
      convolutionChannels: [8, 16],
      dropout: 0,
      random: createRandomGenerator(1),
    });
    const trainer = new Trainer({
      model,
      task: imageClassificationTask(),
      optimizer: new Adam(model.trainableParameters(), { learningRate: 0.01 }),
    });
    const loader = createImageLoader(train, { batchSize: 16, shuffle: true, seed: 1 });
    const testLoader = createImageLoader(test, { batchSize: 16 });
    const before = await trainer.evaluate(testLoader);
    await trainer.fit(loader, { epochs: 1 }); // warm-up: optimizer slots are created once
    const tensors = tf.memory().numTensors;
    await trainer.fit(loader, { epochs: 8 });
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await trainer.evaluate(testLoader);
    expect(after.loss).toBeLessThan(0.5 * before.loss);
    expect(after.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    const predictions = await trainer.predict(testLoader);
    predictions.dispose();
    const steady = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) (await trainer.predict(testLoader)).dispose();
    expect(tf.memory().numTensors).toBe(steady);
    // predict gives probabilities.
    const probabilities = await trainer.predict(testLoader);
    const sums = await tf.sum(probabilities, 1).data();
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
    probabilities.dispose();
    model.dispose();
  });

  it('a convolutional autoencoder lowers its reconstruction error', async () => {
    const images = barImages(32, 3);
    const model = new ConvolutionalAutoencoder({
      inputShape: [12, 12, 1],
      stageChannels: [8, 4],
      codeChannels: 4,
      random: createRandomGenerator(2),
    });
    const trainer = new Trainer({
      model,
      task: reconstructionTask(),
      optimizer: new Adam(model.trainableParameters(), { learningRate: 0.01 }),
    });
    const loader = createImageLoader(images, { batchSize: 8, shuffle: true, seed: 2 });
    const evaluation = createImageLoader(images, { batchSize: 16 });
    const before = await trainer.evaluate(evaluation);
    await trainer.fit(loader, { epochs: 1 });
    const tensors = tf.memory().numTensors;
    await trainer.fit(loader, { epochs: 8 });
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await trainer.evaluate(evaluation);
    expect(after.loss).toBeLessThan(0.5 * before.loss);
    // evaluate's loss is the per-pixel MSE: recompute it from predict's reconstructions.
    const reconstructions = await trainer.predict(evaluation);
    const batch = await createImageLoader(images, { batchSize: 32 })[Symbol.asyncIterator]().next();
    const mse = tf.tidy(() => tf.mean(tf.squaredDifference(reconstructions, batch.value.images)));
    expect((await mse.data())[0]).toBeCloseTo(after.loss, 5);
    tf.dispose([reconstructions, mse, batch.value.images, batch.value.labels]);
    model.dispose();
  });
});
