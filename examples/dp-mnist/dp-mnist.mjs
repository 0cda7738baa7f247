// Differentially private training on MNIST with DP-SGD (Abadi et al. 2016), as Opacus's
// make_private_with_epsilon: give a privacy budget (ε, δ) and a number of epochs, and the noise
// multiplier σ that spends exactly that budget is computed. Every example's gradient is clipped
// to norm C, Gaussian noise σ·C is added to each batch's sum, batches are Poisson-sampled, and an
// RDP accountant tracks ε as training goes. The model is TF Privacy's tutorial CNN.
// Usage: node dp-mnist.mjs [--epochs 2] [--target-epsilon 1] [--delta 1e-5] [--clip 1.5]
//          [--learning-rate 0.25] [--train-images 60000] [--max-steps N] [--out runs/dp-mnist]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  Conv2d,
  classificationTask,
  createDataLoader,
  datasetFromColumns,
  initBackend,
  Linear,
  Module,
  relu,
  SGD,
  saveSafetensors,
  setGlobalSeed,
  tf,
} from '@tessera/core';
import { makePrivate } from '@tessera/federated';
import { progress, Trainer } from '@tessera/trainers';
import { loadMnist } from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const epochs = Number(argument('epochs', 2));
const targetEpsilon = Number(argument('target-epsilon', 1));
const delta = Number(argument('delta', 1e-5));
const maxGradientNorm = Number(argument('clip', 1.5));
const learningRate = Number(argument('learning-rate', 0.25));
const trainImages = Number(argument('train-images', 60000));
const maxSteps = argument('max-steps') === undefined ? undefined : Number(argument('max-steps'));
const output = resolve(argument('out', 'runs/dp-mnist'));
mkdirSync(output, { recursive: true });
const say = (text) => process.stdout.write(`${text}\n`);
const began = performance.now();

const backend = await initBackend();
setGlobalSeed(1);

// --- Data: pixels scaled to [0, 1], one row of 784 per image.
async function mnist(split, count) {
  const images = await loadMnist({ split });
  const size = Math.min(count, images.count);
  return datasetFromColumns({
    features: { values: Float32Array.from(images.pixels.subarray(0, size * 784), (v) => v / 255), rowLength: 784 },
    labels: images.labels.subarray(0, size),
  });
}
const train = await mnist('train', trainImages);
const test = await mnist('test', 10000);

// --- Model: TF Privacy's mnist_dpsgd_tutorial CNN (26,010 parameters).
class TutorialCnn extends Module {
  constructor() {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(1, 16, 8, { stride: 2, padding: 'same' }));
    this.conv2 = this.registerModule('conv2', new Conv2d(16, 32, 4, { stride: 2, padding: 'valid' }));
    this.hidden = this.registerModule('hidden', new Linear(4 * 4 * 32, 32));
    this.output = this.registerModule('output', new Linear(32, 10));
  }
  forward(pixels) {
    return tf.tidy(() => {
      let h = tf.reshape(pixels, [-1, 28, 28, 1]); // [batch, 28, 28, 1]
      h = tf.maxPool(relu(this.conv1.forward(h)), 2, 1, 'valid'); // [batch, 13, 13, 16]
      h = tf.maxPool(relu(this.conv2.forward(h)), 2, 1, 'valid'); // [batch, 4, 4, 32]
      return this.output.forward(relu(this.hidden.forward(tf.reshape(h, [-1, 512])))); // [batch, 10]
    });
  }
}
const model = new TutorialCnn();

// --- Privacy: σ chosen so that `epochs` epochs at 256 examples per batch spend (ε, δ).
const { task, loader, privacy, noiseMultiplier, callbacks, getEpsilon } = makePrivate({
  model,
  task: classificationTask(),
  dataset: train,
  expectedBatchSize: 256,
  maxGradientNorm,
  targetEpsilon,
  targetDelta: delta,
  epochs,
  seed: 1,
});
say(
  `DP-SGD on ${train.length} MNIST images (${backend.name} backend): ${epochs} epochs of ${loader.length} Poisson-sampled batches (q = ${loader.samplingRate.toFixed(5)}), clip C = ${maxGradientNorm}, noise σ = ${noiseMultiplier.toFixed(3)} for ε = ${targetEpsilon} at δ = ${delta}`,
);

const perEpoch = [];
const trainer = new Trainer({
  model,
  task,
  optimizer: new SGD(model.trainableParameters(), { learningRate }),
  gradientTransforms: [privacy.gradientTransform],
  callbacks: [
    progress({ everySteps: 25, itemName: 'images' }),
    ...callbacks,
    {
      onEvaluationEnd(logs) {
        const row = {
          epoch: logs.epoch,
          step: logs.step,
          testAccuracy: logs.metrics.accuracy,
          epsilon: getEpsilon(delta),
        };
        perEpoch.push(row);
        say(
          `epoch ${row.epoch}: test accuracy ${(100 * row.testAccuracy).toFixed(2)}%, ε spent ${row.epsilon.toFixed(3)}`,
        );
      },
    },
  ],
});
const testLoader = createDataLoader(test, { batchSize: 1000 });
await trainer.fit(loader, { epochs, maxSteps, evaluationLoader: testLoader });
if (perEpoch.length === 0 || perEpoch.at(-1).step !== trainer.position.step) {
  // Stopped by --max-steps inside an epoch: evaluate once at the end.
  const { metrics } = await trainer.evaluate(testLoader);
  perEpoch.push({
    epoch: trainer.position.epoch,
    step: trainer.position.step,
    testAccuracy: metrics.accuracy,
    epsilon: getEpsilon(delta),
  });
}

// --- Results: accuracy and ε after each epoch; ε never exceeds the target.
say(`\n| epoch | steps | test accuracy | ε (δ = ${delta}) |`);
say('|---|---|---|---|');
for (const row of perEpoch)
  say(`| ${row.epoch} | ${row.step} | ${(100 * row.testAccuracy).toFixed(2)}% | ${row.epsilon.toFixed(3)} |`);
const summary = {
  backend: backend.name,
  trainImages: train.length,
  epochs,
  steps: trainer.position.step,
  expectedBatchSize: 256,
  maxGradientNorm,
  noiseMultiplier,
  learningRate,
  targetEpsilon,
  delta,
  perEpoch,
  seconds: Math.round((performance.now() - began) / 1000),
};
writeFileSync(join(output, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
await saveSafetensors(join(output, 'model.safetensors'), model.stateDict());
privacy.detach();
say(`\nDone in ${summary.seconds} s. Outputs in ${output}:`);
say('  summary.json        σ, accuracy and ε per epoch');
say('  model.safetensors   the privately trained weights (releasing them costs no further privacy)');
