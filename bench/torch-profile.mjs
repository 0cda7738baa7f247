// Where a nanoGPT baby training step spends its time on the torch backend: wraps every kernel
// registered for the backend with a timer and reports calls and milliseconds per kernel name, and
// the rest of the step (tfjs engine, gradient bookkeeping, JavaScript) as step wall minus kernels.
// Usage: node bench/torch-profile.mjs [--steps 5] [--threads 1] [--backend torch] [--model gpt|cnn]
// (cnn: bench/torch-step.mjs's MNIST-shaped CNN step.) Prints JSON; writes
// bench/results/torch-profile-<backend>-<model>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Activation,
  Adam,
  AdamW,
  Conv2d,
  clipGradientNorm,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  Flatten,
  initBackend,
  Linear,
  MaxPool2d,
  Sequential,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { GPT, gptConfig } from '@tessera/transformer';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const steps = Number(argument('steps', 5));
const threads = Number(argument('threads', 1));
const backend = argument('backend', 'torch');
const modelName = argument('model', 'gpt');
const here = dirname(fileURLToPath(import.meta.url));
process.env.TESSERA_TORCH_THREADS = String(threads);

await initBackend({ backend });
const totals = new Map(); // kernel name -> { calls, milliseconds }
let recording = false;
for (const config of tf.getKernelsForBackend(backend)) {
  const run = config.kernelFunc;
  config.kernelFunc = (args) => {
    if (!recording) return run(args);
    const started = performance.now();
    const result = run(args);
    const entry = totals.get(config.kernelName) ?? { calls: 0, milliseconds: 0 };
    entry.calls += 1;
    entry.milliseconds += performance.now() - started;
    totals.set(config.kernelName, entry);
    return result;
  };
}

/** One training step of the GPT (as bench/torch-step.mjs) and its cleanup. */
function gptStep() {
  setGlobalSeed(1337);
  const config = gptConfig('nanogpt-baby', { vocabularySize: 65 });
  const model = new GPT(config);
  const optimizer = new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), {
    learningRate: 1e-3,
    beta2: 0.99,
  });
  const clip = clipGradientNorm(1.0);
  const random = createRandomGenerator(1);
  const tokens = () =>
    tf.tensor2d(
      Int32Array.from({ length: 12 * config.blockSize }, () => random.nextInt(65)),
      [12, config.blockSize],
      'int32',
    );
  let step = 0;
  const run = () => {
    const inputs = tokens();
    const targets = tokens();
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(model.trainableParameters(), () =>
        crossEntropy(model.forward(inputs), targets),
      );
      optimizer.step(clip.apply(gradients, { step: step++ }));
      return loss;
    });
    loss.dataSync();
    tf.dispose([loss, inputs, targets]);
  };
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { run, dispose };
}

/** One training step of the MNIST-shaped CNN (as bench/torch-step.mjs) and its cleanup. */
function cnnStep() {
  setGlobalSeed(1);
  const model = new Sequential(
    new Conv2d(1, 32, 3, { padding: 1 }), // [batch, 28, 28, 32]
    new Activation('relu'),
    new MaxPool2d(2), // [batch, 14, 14, 32]
    new Conv2d(32, 64, 3, { padding: 1 }), // [batch, 14, 14, 64]
    new Activation('relu'),
    new MaxPool2d(2), // [batch, 7, 7, 64]
    new Flatten(),
    new Linear(7 * 7 * 64, 128),
    new Activation('relu'),
    new Linear(128, 10),
  );
  const optimizer = new Adam(model.trainableParameters(), { learningRate: 1e-3 });
  const random = createRandomGenerator(2);
  const run = () => {
    const images = tf.tensor4d(
      Float32Array.from({ length: 64 * 784 }, () => random.nextFloat()),
      [64, 28, 28, 1],
    );
    const labels = tf.tensor1d(
      Int32Array.from({ length: 64 }, () => random.nextInt(10)),
      'int32',
    );
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(model.trainableParameters(), () =>
        crossEntropy(model.forward(images), labels),
      );
      optimizer.step(gradients);
      return loss;
    });
    loss.dataSync();
    tf.dispose([loss, images, labels]);
  };
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { run, dispose };
}

const workload = modelName === 'cnn' ? cnnStep() : gptStep();
const trainStep = workload.run;
for (let index = 0; index < 2; index++) trainStep();
recording = true;
const started = performance.now();
for (let index = 0; index < steps; index++) trainStep();
const wall = (performance.now() - started) / steps;
recording = false;
const kernels = [...totals.entries()]
  .map(([name, { calls, milliseconds }]) => ({
    name,
    callsPerStep: calls / steps,
    millisecondsPerStep: Number((milliseconds / steps).toFixed(3)),
  }))
  .sort((a, b) => b.millisecondsPerStep - a.millisecondsPerStep);
const kernelMilliseconds = kernels.reduce((sum, kernel) => sum + kernel.millisecondsPerStep, 0);
const report = {
  benchmark: 'torch-profile',
  model: modelName,
  backend,
  threads,
  steps,
  loadAverage: Number(loadavg()[0].toFixed(2)),
  stepMilliseconds: Number(wall.toFixed(2)),
  kernelMilliseconds: Number(kernelMilliseconds.toFixed(2)),
  outsideKernelsMilliseconds: Number((wall - kernelMilliseconds).toFixed(2)),
  kernelCallsPerStep: kernels.reduce((sum, kernel) => sum + kernel.callsPerStep, 0),
  kernels,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', `torch-profile-${backend}-${modelName}.json`),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log(JSON.stringify(report, null, 2));
workload.dispose();
