// Transfer learning on MNIST: a CNN pretrained on digits 0–4 gets a new head for digits 5–9 and
// is fine-tuned on 1% of the 5–9 training images (~294); the same architecture trained from
// scratch on that 1% is the baseline. Both are scored on all 5–9 test images (4,861).
// Fine-tuning: backbone frozen, head trained (Adam 3e-3) for `--head-epochs`; then the top
// backbone block unfrozen at a tenth of the head's rate for `--unfrozen-epochs`. The scratch
// model trains for the same total number of epochs at 3e-3 (and we report its best test
// accuracy after each epoch, to give it every chance).
// Usage: node bench/vision-transfer.mjs [--pretrain-epochs 1] [--head-epochs 15] [--unfrozen-epochs 15] [--backend wasm]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Adam, createRandomGenerator, initBackend, setGlobalSeed } from '@tessera/core';
import { progress, Trainer } from '@tessera/trainers';
import {
  composeTransforms,
  createImageLoader,
  filterClasses,
  fineTuningParameterGroups,
  freezeBackbone,
  imageClassificationTask,
  loadMnist,
  randomCrop,
  replaceHead,
  SmallConvNet,
  selectImages,
  unfreezeTopBlocks,
} from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const pretrainEpochs = Number(argument('pretrain-epochs', 1));
const headEpochs = Number(argument('head-epochs', 15));
const unfrozenEpochs = Number(argument('unfrozen-epochs', 15));
const here = dirname(fileURLToPath(import.meta.url));
const backend = await initBackend({ backend: argument('backend', 'wasm') });
setGlobalSeed(3);

const train = await loadMnist({ split: 'train' });
const test = await loadMnist({ split: 'test' });
const lowDigits = filterClasses(train, [0, 1, 2, 3, 4]);
const highDigits = filterClasses(train, [5, 6, 7, 8, 9]);
const highTest = filterClasses(test, [5, 6, 7, 8, 9]);
// 1% of the 5–9 training images, drawn with a fixed seed.
const permutation = createRandomGenerator(3).permutation(highDigits.count);
const fewCount = Math.round(highDigits.count / 100);
const few = selectImages(highDigits, permutation.subarray(0, fewCount));

const config = { convolutionChannels: [32, 64], dropout: 0.5 };
const task = imageClassificationTask();
const shifts = composeTransforms(randomCrop({ padding: 2 }));
const testLoader = createImageLoader(highTest, { batchSize: 500 });
const fewLoader = (seed) => createImageLoader(few, { batchSize: 32, shuffle: true, seed, transform: shifts });
const log = progress({ everySteps: 100, itemName: 'images' });

// 1. Pretrain on digits 0–4.
const pretrained = new SmallConvNet({ ...config, classCount: 5 });
const pretrainer = new Trainer({
  model: pretrained,
  task,
  optimizer: new Adam(pretrained.trainableParameters(), { learningRate: 2e-3 }),
  callbacks: [log],
});
let started = performance.now();
await pretrainer.fit(createImageLoader(lowDigits, { batchSize: 64, shuffle: true, seed: 1, transform: shifts }), {
  epochs: pretrainEpochs,
});
const pretrainSeconds = (performance.now() - started) / 1000;
const pretrainAccuracy = (
  await pretrainer.evaluate(createImageLoader(filterClasses(test, [0, 1, 2, 3, 4]), { batchSize: 500 }))
).metrics.accuracy;

// 2. New head for 5–9, frozen backbone; then the top block unfrozen at a lower rate.
started = performance.now();
replaceHead(pretrained, 5);
freezeBackbone(pretrained);
const headTrainer = new Trainer({
  model: pretrained,
  task,
  optimizer: new Adam(pretrained.namedParameters(), { learningRate: 3e-3 }),
});
await headTrainer.fit(fewLoader(4), { epochs: headEpochs });
const headOnlyAccuracy = (await headTrainer.evaluate(testLoader)).metrics.accuracy;
unfreezeTopBlocks(pretrained, 1);
const fineTuner = new Trainer({
  model: pretrained,
  task,
  optimizer: new Adam(fineTuningParameterGroups(pretrained, { backboneLearningRate: 3e-4 }), { learningRate: 3e-3 }),
});
await fineTuner.fit(fewLoader(5), { epochs: unfrozenEpochs });
const fineTunedAccuracy = (await fineTuner.evaluate(testLoader)).metrics.accuracy;
const fineTuneSeconds = (performance.now() - started) / 1000;

// 3. The same architecture from scratch on the same 1%, as many epochs.
started = performance.now();
const scratch = new SmallConvNet({ ...config, classCount: 5 });
const scratchTrainer = new Trainer({
  model: scratch,
  task,
  optimizer: new Adam(scratch.trainableParameters(), { learningRate: 3e-3 }),
});
const scratchAccuracies = [];
const scratchLoader = fewLoader(6);
for (let epoch = 0; epoch < headEpochs + unfrozenEpochs; epoch++) {
  await scratchTrainer.fit(scratchLoader, { epochs: epoch + 1 });
  if ((epoch + 1) % 5 === 0 || epoch + 1 === headEpochs + unfrozenEpochs) {
    scratchAccuracies.push((await scratchTrainer.evaluate(testLoader)).metrics.accuracy);
  }
}
const scratchSeconds = (performance.now() - started) / 1000;

const round = (value) => Number(value.toFixed(4));
const report = {
  benchmark: 'vision-transfer',
  date: new Date().toISOString(),
  backend: backend.name,
  model: 'SmallConvNet',
  pretrainImages: lowDigits.count,
  pretrainEpochs,
  pretrainTestAccuracyOnDigits0to4: round(pretrainAccuracy),
  fineTuneImages: few.count,
  testImages: highTest.count,
  headOnlyEpochs: headEpochs,
  unfrozenTopBlockEpochs: unfrozenEpochs,
  transferTestAccuracyHeadOnly: round(headOnlyAccuracy),
  transferTestAccuracy: round(fineTunedAccuracy),
  scratchEpochs: headEpochs + unfrozenEpochs,
  scratchTestAccuracyEvery5Epochs: scratchAccuracies.map(round),
  scratchBestTestAccuracy: round(Math.max(...scratchAccuracies)),
  transferBeatsScratch: fineTunedAccuracy > Math.max(...scratchAccuracies),
  seconds: {
    pretrain: Math.round(pretrainSeconds),
    fineTune: Math.round(fineTuneSeconds),
    scratch: Math.round(scratchSeconds),
  },
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'vision-transfer.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
