// Transfer learning, the way one adapts a pretrained network to a new task with little data:
//   1. pretrain a CNN on MNIST digits 0–4;
//   2. replace its 5-way head with a new one for digits 5–9, freeze the backbone and train the
//      head on only 1% of the 5–9 training images (~300);
//   3. unfreeze the top convolution block and fine-tune it at a tenth of the head's learning rate;
//   4. train the same architecture from scratch on the same ~300 images, for as many epochs.
// Both models are scored on all 4,861 test images of digits 5–9.
// Usage: node transfer-learning.mjs [--pretrain-images 30596] [--head-epochs 10]
//          [--unfrozen-epochs 10] [--max-steps N] [--out runs/transfer-learning]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, createRandomGenerator, initBackend, setGlobalSeed, tf } from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
import {
  createImageLoader,
  filterClasses,
  fineTuningParameterGroups,
  freezeBackbone,
  imageClassificationTask,
  loadMnist,
  randomCrop,
  replaceHead,
  SmallConvNet,
  saveImageClassifier,
  selectImages,
  unfreezeTopBlocks,
} from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const pretrainImages = Number(argument('pretrain-images', Number.POSITIVE_INFINITY)); // default: all 30,596
const headEpochs = Number(argument('head-epochs', 10));
const unfrozenEpochs = Number(argument('unfrozen-epochs', 10));
const maxSteps = argument('max-steps') === undefined ? undefined : Number(argument('max-steps')); // per stage
const output = resolve(argument('out', 'runs/transfer-learning'));
mkdirSync(output, { recursive: true });
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();

const backend = await initBackend();
setGlobalSeed(3);

// --- Data: digits 0–4 to pretrain on; 1% of the 5–9 images to adapt with; all 5–9 test images.
const train = await loadMnist({ split: 'train' });
const test = await loadMnist({ split: 'test' });
const lowDigits = filterClasses(train, [0, 1, 2, 3, 4]);
const pretrainSet = selectImages(
  lowDigits,
  Array.from({ length: Math.min(pretrainImages, lowDigits.count) }, (_, index) => index),
);
const highDigits = filterClasses(train, [5, 6, 7, 8, 9]); // labels become 0–4 (digit − 5)
const permutation = createRandomGenerator(3).permutation(highDigits.count);
const few = selectImages(highDigits, permutation.subarray(0, Math.round(highDigits.count / 100)));
const highTest = filterClasses(test, [5, 6, 7, 8, 9]);
const testLoader = createImageLoader(highTest, { batchSize: 500 });
const fewLoader = (seed) =>
  createImageLoader(few, { batchSize: 32, shuffle: true, seed, transform: randomCrop({ padding: 2 }) });
const task = imageClassificationTask();
const config = { convolutionChannels: [32, 64], dropout: 0.5, classCount: 5 };
const accuracy = async (trainer) => (await trainer.evaluate(testLoader)).metrics.accuracy;

// --- 1. Pretrain on digits 0–4.
say(`1/4 Pretraining on ${pretrainSet.count} images of digits 0–4 (${backend.name} backend)…`);
const model = new SmallConvNet(config);
await new Trainer({
  model,
  task,
  optimizer: new Adam(model.trainableParameters(), { learningRate: 2e-3 }),
  callbacks: [progress({ everySteps: 20, itemName: 'images' })],
}).fit(
  createImageLoader(pretrainSet, { batchSize: 64, shuffle: true, seed: 1, transform: randomCrop({ padding: 2 }) }),
  {
    epochs: 1,
    maxSteps,
  },
);

// --- 2. New head for digits 5–9; the backbone's features stay as pretrained.
say(`\n2/4 New head for digits 5–9, backbone frozen, ${headEpochs} epochs on ${few.count} images…`);
replaceHead(model, 5);
freezeBackbone(model);
const headTrainer = new Trainer({ model, task, optimizer: new Adam(model.namedParameters(), { learningRate: 3e-3 }) });
await headTrainer.fit(fewLoader(4), { epochs: headEpochs, maxSteps });
const headOnly = await accuracy(headTrainer);
say(`   test accuracy on digits 5–9: ${(100 * headOnly).toFixed(2)}%`);

// --- 3. Unfreeze the top block: it adapts at a tenth of the head's rate.
say(`\n3/4 Top block unfrozen, ${unfrozenEpochs} epochs…`);
unfreezeTopBlocks(model, 1);
const fineTuner = new Trainer({
  model,
  task,
  optimizer: new Adam(fineTuningParameterGroups(model, { backboneLearningRate: 3e-4 }), { learningRate: 3e-3 }),
});
await fineTuner.fit(fewLoader(5), { epochs: unfrozenEpochs, maxSteps });
const fineTuned = await accuracy(fineTuner);
say(`   test accuracy on digits 5–9: ${(100 * fineTuned).toFixed(2)}%`);

// --- 4. Baseline: the same network from scratch on the same few images.
say(`\n4/4 Baseline: the same CNN from scratch on the ${few.count} images, ${headEpochs + unfrozenEpochs} epochs…`);
const scratch = new SmallConvNet(config);
const scratchTrainer = new Trainer({
  model: scratch,
  task,
  optimizer: new Adam(scratch.trainableParameters(), { learningRate: 3e-3 }),
});
await scratchTrainer.fit(fewLoader(6), { epochs: headEpochs + unfrozenEpochs, maxSteps });
const fromScratch = await accuracy(scratchTrainer);

const rows = [
  ['pretrained on 0–4, new head only', headOnly],
  ['pretrained on 0–4, head + top block fine-tuned', fineTuned],
  ['same CNN from scratch', fromScratch],
];
say(`\n| model (trained on ${few.count} images of 5–9) | test accuracy on 5–9 |\n|---|---|`);
for (const [name, value] of rows) say(`| ${name} | ${(100 * value).toFixed(2)}% |`);

await saveImageClassifier(join(output, 'model'), model, {
  architecture: 'small-convnet',
  config,
  classNames: ['5', '6', '7', '8', '9'],
});
const summary = {
  backend: backend.name,
  pretrainImages: pretrainSet.count,
  fineTuneImages: few.count,
  testImages: highTest.count,
  testAccuracy: { headOnly, fineTuned, fromScratch },
  seconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
say(`\nDone in ${summary.seconds} s. Outputs in ${output}:`);
say('  summary.json   the three accuracies');
say('  model/         the fine-tuned 5–9 classifier (loadImageClassifier reads it)');
tf.disposeVariables();
