// The cost of DP-SGD on MNIST's TF Privacy tutorial CNN at batch 256: ms per optimizer step of
// plain SGD, of DP-SGD with batched per-example gradients (one backward pass, the layer rules of
// @tessera/federated), and of DP-SGD with the naive per-example loop (one backward pass per
// example, what microbatching does when each microbatch is one example). Blocks of plain and
// private steps alternate, so a machine whose load changes affects both alike; each figure is the
// median step time over its blocks (the first steps of a block, warm-up, left out).
// Usage: node bench/dp-slowdown.mjs [--rounds 3] [--steps 15] [--naive-steps 2] [--backend wasm]
// Prints JSON (and writes bench/results/dp-slowdown.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  classificationTask,
  computeGradients,
  createDataLoader,
  initBackend,
  SGD,
  setGlobalSeed,
  tf,
} from '@tessera/core';
import { DifferentiallyPrivateSGD } from '@tessera/federated';
import { Trainer } from '@tessera/trainers';
import { mnist, TutorialCnn } from './dp-mnist-common.mjs';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const rounds = Number(argument('rounds', 3));
const steps = Number(argument('steps', 15));
const naiveSteps = Number(argument('naive-steps', 2));
const here = dirname(fileURLToPath(import.meta.url));
const batchSize = 256;
const privacyOptions = {
  noiseMultiplier: 1.3,
  maxGradientNorm: 1.5,
  expectedBatchSize: 256,
  samplingRate: 256 / 60000,
};

const backend = await initBackend({ backend: argument('backend', 'wasm') });
const train = await mnist('train');
const task = classificationTask();
const loader = createDataLoader(train, { batchSize, shuffle: true, seed: 1, dropLast: true });
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Records the time between consecutive optimizer steps. */
function stepTimer() {
  let last;
  let times = [];
  return {
    callback: {
      onStepEnd: () => {
        const now = performance.now();
        if (last !== undefined) times.push(now - last);
        last = now;
      },
    },
    /** The intervals since the last call, without the first (warm-up) one. */
    take: () => {
      const taken = times.slice(1);
      times = [];
      last = undefined;
      return taken;
    },
  };
}

/** Step times (ms) of `count` more steps of `trainer`. */
async function timeSteps(trainer, timer, count) {
  await trainer.fit(loader, { maxSteps: trainer.position.step + count + 2 });
  return timer.take();
}

setGlobalSeed(1);
const plainModel = new TutorialCnn();
const plainTimer = stepTimer();
const plain = new Trainer({
  model: plainModel,
  task,
  callbacks: [plainTimer.callback],
  optimizer: new SGD(plainModel.trainableParameters(), { learningRate: 0.1 }),
});
setGlobalSeed(1);
const privateModel = new TutorialCnn();
const privacy = new DifferentiallyPrivateSGD(privateModel, { ...privacyOptions, seed: 1 });
const privateTimer = stepTimer();
const privateTrainer = new Trainer({
  model: privateModel,
  task: privacy.wrapTask(task),
  callbacks: [privateTimer.callback],
  optimizer: new SGD(privateModel.trainableParameters(), { learningRate: 0.25 }),
  gradientTransforms: [privacy.gradientTransform],
});

const plainTimes = [];
const privateTimes = [];
for (let round = 0; round < rounds; round++) {
  plainTimes.push(...(await timeSteps(plain, plainTimer, steps)));
  privateTimes.push(...(await timeSteps(privateTrainer, privateTimer, steps)));
  console.error(
    `round ${round + 1}/${rounds}: plain ${median(plainTimes).toFixed(0)} ms, private ${median(privateTimes).toFixed(0)} ms`,
  );
}

// The naive reference: each example's gradient from its own backward pass, clipped and summed.
setGlobalSeed(1);
const naiveModel = new TutorialCnn();
const naiveTimes = [];
let batches = 0;
for await (const batch of loader.iterate(0)) {
  const started = performance.now();
  tf.tidy(() => {
    let summed;
    for (let example = 0; example < batchSize; example++) {
      const single = { features: tf.slice(batch.features, example, 1), labels: tf.slice(batch.labels, example, 1) };
      const { gradients } = computeGradients(
        naiveModel.trainableParameters(),
        () => task.forward(naiveModel, single, { training: true }).loss,
      );
      const norm = tf.sqrt(tf.addN(Object.values(gradients).map((g) => tf.sum(tf.square(g)))));
      const factor = tf.minimum(1, tf.div(privacyOptions.maxGradientNorm, tf.add(norm, 1e-6)));
      const clipped = Object.fromEntries(Object.entries(gradients).map(([name, g]) => [name, tf.mul(g, factor)]));
      summed =
        summed === undefined
          ? clipped
          : Object.fromEntries(Object.entries(clipped).map(([name, g]) => [name, tf.add(summed[name], g)]));
      tf.dispose([...Object.values(gradients), single.features, single.labels]);
    }
    for (const gradient of Object.values(summed)) gradient.dataSync();
  });
  tf.dispose(batch);
  naiveTimes.push(performance.now() - started);
  console.error(`naive per-example loop: ${naiveTimes.at(-1).toFixed(0)} ms for one batch of ${batchSize}`);
  if (++batches === naiveSteps) break;
}

const report = {
  benchmark: 'dp-slowdown',
  date: new Date().toISOString(),
  backend: backend.name,
  model: 'TF Privacy tutorial CNN',
  batchSize,
  stepsTimed: { plain: plainTimes.length, private: privateTimes.length, naive: naiveTimes.length },
  plainMillisecondsPerStep: Math.round(median(plainTimes)),
  privateMillisecondsPerStep: Math.round(median(privateTimes)),
  slowdown: Number((median(privateTimes) / median(plainTimes)).toFixed(2)),
  naiveLoopMillisecondsPerStep: Math.round(median(naiveTimes)),
  batchedSpeedupOverNaiveLoop: Number((median(naiveTimes) / median(privateTimes)).toFixed(1)),
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'dp-slowdown.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
privacy.detach();
tf.disposeVariables();
