// An autoencoder learns to compress without labels: a convolutional encoder squeezes each 28×28
// MNIST digit (784 pixels) into a 7×7×4 code (196 numbers), a decoder rebuilds the image from it,
// and training minimises the per-pixel squared error between the two.
//   encoder: conv 16 → max-pool → conv 8 → max-pool → 1×1 conv to 4 channels  // [batch, 7, 7, 4]
//   decoder: upsample + conv back to [batch, 28, 28, 1], sigmoid
// Usage: node autoencoder.mjs [--epochs 1] [--train-images 8000] [--test-images 10000] [--max-steps N]
//          [--out runs/autoencoder]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, initBackend, saveSafetensors, setGlobalSeed, tf } from '@tessera/core';
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
const epochs = Number(argument('epochs', 1));
const trainImages = Number(argument('train-images', 8000));
const testImages = Number(argument('test-images', 10000));
const maxSteps = argument('max-steps') === undefined ? undefined : Number(argument('max-steps'));
const output = resolve(argument('out', 'runs/autoencoder'));
mkdirSync(output, { recursive: true });
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();
const first = (count) => Array.from({ length: count }, (_, index) => index);

const backend = await initBackend();
setGlobalSeed(2);

// --- Data: images only; the labels are not used.
const allTrain = await loadMnist({ split: 'train' });
const train = trainImages < allTrain.count ? selectImages(allTrain, first(trainImages)) : allTrain;
const allTest = await loadMnist({ split: 'test' });
const test = testImages < allTest.count ? selectImages(allTest, first(testImages)) : allTest;
const testLoader = createImageLoader(test, { batchSize: 500 });

const config = { stageChannels: [16, 8], codeChannels: 4 };
const model = new ConvolutionalAutoencoder(config);
const trainer = new Trainer({
  model,
  task: reconstructionTask(), // mean squared error between input and output pixels, in [0, 1]
  optimizer: new Adam(model.trainableParameters(), { learningRate: 2e-3 }),
  callbacks: [progress({ everySteps: 20, itemName: 'images' })],
});
const before = await trainer.evaluate(testLoader);
say(
  `Training a ${model.parameterCount().toLocaleString('en')}-parameter autoencoder on ${train.count} images, ${epochs} epoch(s) (${backend.name} backend); test MSE before training ${before.loss.toFixed(4)}`,
);
await trainer.fit(createImageLoader(train, { batchSize: 64, shuffle: true, seed: 2 }), { epochs, maxSteps });
const after = await trainer.evaluate(testLoader);
say(`\nTest mean squared error per pixel: ${before.loss.toFixed(4)} before training → ${after.loss.toFixed(4)} after`);

// --- Picture: the first 20 test digits (top rows) and their reconstructions (bottom rows).
const shown = selectImages(test, first(20));
const { value: batch } = await createImageLoader(shown, { batchSize: 20 })[Symbol.asyncIterator]().next();
model.eval();
const reconstructions = tf.tidy(() => model.forward(batch.images)); // [20, 28, 28, 1]
await writeImageFile(
  join(output, 'reconstructions.png'),
  reconstructionPicture(shown, await tensorToImageStack(reconstructions), { columns: 10, scale: 2 }),
);
tf.dispose([reconstructions, batch.images, batch.labels]);

await saveSafetensors(join(output, 'autoencoder.safetensors'), model.stateDict());
const summary = {
  backend: backend.name,
  parameters: model.parameterCount(),
  codeSize: 7 * 7 * config.codeChannels,
  trainImages: train.count,
  steps: trainer.position.step,
  testImages: test.count,
  testMeanSquaredErrorBefore: Number(before.loss.toFixed(5)),
  testMeanSquaredError: Number(after.loss.toFixed(5)),
  seconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
say(`\nDone in ${summary.seconds} s. Outputs in ${output}:`);
say('  reconstructions.png       originals (top) and reconstructions (bottom)');
say('  summary.json              error before and after training');
say('  autoencoder.safetensors   the trained weights (model.loadStateDict(loadSafetensors(…)))');
tf.disposeVariables();
