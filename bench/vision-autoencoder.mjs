// A convolutional autoencoder on MNIST: conv 16 → pool → conv 8 → pool → 1×1 conv to a 7×7×4
// code (196 numbers for 784 pixels), then upsample + conv back to 28×28 with a sigmoid. Trained
// with Adam (lr 2e-3) on per-pixel MSE; reports the test MSE over the 10,000 test images and
// writes originals beside reconstructions to bench/results/vision-autoencoder.png.
// For scale: the Keras blog's convolutional autoencoder (Chollet 2016, 4×4×8 code, binary
// cross-entropy, 50 epochs) shows recognisable digits.
// Usage: node bench/vision-autoencoder.mjs [--epochs 2] [--train-size 60000] [--backend wasm]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Adam, initBackend, setGlobalSeed, tf } from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
import {
  ConvolutionalAutoencoder,
  createImageLoader,
  loadMnist,
  reconstructionPicture,
  reconstructionTask,
  selectImages,
  tensorToImageStack,
  writeImageFile,
} from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const epochs = Number(argument('epochs', 2));
const trainSize = Number(argument('train-size', 60000));
const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, 'results');
mkdirSync(results, { recursive: true });

const backend = await initBackend({ backend: argument('backend', 'wasm') });
setGlobalSeed(2);
const fullTrain = await loadMnist({ split: 'train' });
const train =
  trainSize < fullTrain.count
    ? selectImages(
        fullTrain,
        Array.from({ length: trainSize }, (_, i) => i),
      )
    : fullTrain;
const test = await loadMnist({ split: 'test' });

const config = { stageChannels: [16, 8], codeChannels: 4 };
const model = new ConvolutionalAutoencoder(config);
const trainer = new Trainer({
  model,
  task: reconstructionTask(),
  optimizer: new Adam(model.trainableParameters(), { learningRate: 2e-3 }),
  callbacks: [progress({ everySteps: 100, itemName: 'images' })],
});
const testLoader = createImageLoader(test, { batchSize: 500 });
const initial = await trainer.evaluate(testLoader);
const started = performance.now();
await trainer.fit(createImageLoader(train, { batchSize: 64, shuffle: true, seed: 2 }), { epochs });
const trainingSeconds = (performance.now() - started) / 1000;
const evaluation = await trainer.evaluate(testLoader);

// The first 20 test digits and their reconstructions.
const shown = selectImages(
  test,
  Array.from({ length: 20 }, (_, i) => i),
);
const [batch] = [await createImageLoader(shown, { batchSize: 20 })[Symbol.asyncIterator]().next()];
model.eval();
const reconstructions = tf.tidy(() => model.forward(batch.value.images));
await writeImageFile(
  join(results, 'vision-autoencoder.png'),
  reconstructionPicture(shown, await tensorToImageStack(reconstructions), { columns: 10, scale: 2 }),
);
tf.dispose([reconstructions, batch.value.images, batch.value.labels]);

const report = {
  benchmark: 'vision-autoencoder',
  date: new Date().toISOString(),
  backend: backend.name,
  model: 'ConvolutionalAutoencoder',
  config,
  codeSize: 7 * 7 * config.codeChannels,
  parameters: model.parameterCount(),
  trainImages: train.count,
  epochs,
  steps: trainer.position.step,
  millisecondsPerStep: Math.round((trainingSeconds * 1000) / trainer.position.step),
  trainingSeconds: Math.round(trainingSeconds),
  testImages: test.count,
  testMeanSquaredErrorBeforeTraining: Number(initial.loss.toFixed(5)),
  testMeanSquaredError: Number(evaluation.loss.toFixed(5)),
  picture: 'bench/results/vision-autoencoder.png',
};
writeFileSync(join(results, 'vision-autoencoder.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
