// FedAvg on MNIST, McMahan et al. (2017)'s CNN experiment, simulated in one process with
// @tessera/federated: 100 clients, C = 0.1 (10 clients a round), E = 5 local epochs, B = 10, plain
// SGD; the CNN is conv 5×5 32 → max-pool 2 → conv 5×5 64 → max-pool 2 → dense 512 → 10 (1,663,370
// parameters, "same" padding, ReLU). McMahan et al. report 99% test accuracy after 20 rounds with
// IID clients (Table 2) and 206 rounds with the pathological non-IID split (2 label shards each).
//
// Usage: node bench/federated-mnist.mjs [--partition iid|shards] [--rounds 300] [--target 0.99]
//          [--learning-rate 0.05] [--max-minutes M] [--seed 0] [--client-fraction 0.1] [--local-epochs 5]
// Runs until the target test accuracy (full 10,000-image test set, after every round), the round
// limit, or the time budget; prints JSON and rewrites bench/results/federated-mnist-<partition>.json
// after every round, so a long background run leaves its progress behind.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Conv2d,
  classificationTask,
  createRandomGenerator,
  datasetFromColumns,
  initBackend,
  Linear,
  Module,
  SGD,
  subset,
  tf,
} from '@tessera/core';
import { labelCountsPerClient, partitionByLabelShards, partitionIid, runFederatedAveraging } from '@tessera/federated';
import { loadMnist } from '@tessera/vision';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const partitionName = argument('partition', 'iid');
const maxRounds = Number(argument('rounds', 300));
const target = Number(argument('target', 0.99));
const learningRate = Number(argument('learning-rate', 0.05));
const maxMinutes = Number(argument('max-minutes', Number.POSITIVE_INFINITY));
const seed = Number(argument('seed', 0));
// The paper's setting by default; smaller values only to smoke-test the script.
const clientFraction = Number(argument('client-fraction', 0.1));
const localEpochs = Number(argument('local-epochs', 5));
const here = dirname(fileURLToPath(import.meta.url));

async function loadSplit(split) {
  const images = await loadMnist({ split });
  return {
    features: Float32Array.from(images.pixels, (value) => value / 255),
    labels: images.labels,
    count: images.count,
  };
}

class MnistCnn extends Module {
  constructor(random) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(1, 32, 5, { padding: 'same', random }));
    this.conv2 = this.registerModule('conv2', new Conv2d(32, 64, 5, { padding: 'same', random }));
    this.hidden = this.registerModule('hidden', new Linear(7 * 7 * 64, 512, { random }));
    this.output = this.registerModule('output', new Linear(512, 10, { random }));
  }
  forward(features) {
    return tf.tidy(() => {
      let x = tf.reshape(features, [-1, 28, 28, 1]); // [batch, 28, 28, 1]
      x = tf.maxPool(tf.relu(this.conv1.forward(x)), 2, 2, 'valid'); // [batch, 14, 14, 32]
      x = tf.maxPool(tf.relu(this.conv2.forward(x)), 2, 2, 'valid'); // [batch, 7, 7, 64]
      x = tf.relu(this.hidden.forward(tf.reshape(x, [-1, 7 * 7 * 64]))); // [batch, 512]
      return this.output.forward(x); // [batch, 10]
    });
  }
}

const backend = await initBackend({ backend: argument('backend', 'wasm') });
const train = await loadSplit('train');
const test = await loadSplit('test');
const trainDataset = datasetFromColumns({ features: { values: train.features, rowLength: 784 }, labels: train.labels });
const partition =
  partitionName === 'iid'
    ? partitionIid(train.count, { clientCount: 100, seed })
    : partitionByLabelShards(train.labels, { clientCount: 100, shardsPerClient: 2, seed });
const labelsPerClient = labelCountsPerClient(train.labels, partition).map(
  (counts) => counts.filter((count) => count > 0).length,
);

function testAccuracy(model) {
  let correct = 0;
  for (let start = 0; start < test.count; start += 500) {
    const end = Math.min(start + 500, test.count);
    correct += tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(test.features.subarray(start * 784, end * 784), [end - start, 784]));
      const predicted = tf.argMax(logits, 1);
      return tf
        .sum(tf.cast(tf.equal(predicted, tf.tensor1d(test.labels.subarray(start, end), 'int32')), 'int32'))
        .dataSync()[0];
    });
  }
  return correct / test.count;
}

const model = new MnistCnn(createRandomGenerator(seed));
const started = performance.now();
const curve = [];
let roundsToTarget = null;
let secondsToTarget = null;
const resultPath = join(here, 'results', `federated-mnist-${partitionName}.json`);
mkdirSync(join(here, 'results'), { recursive: true });

const report = (finished) => ({
  benchmark: 'federated-mnist',
  date: new Date().toISOString(),
  backend: backend.name,
  finished,
  setup: {
    partition:
      partitionName === 'iid' ? 'IID, 600 examples per client' : 'label shards: 200 shards of 300, 2 per client',
    clients: 100,
    clientFraction,
    localEpochs,
    localBatchSize: 10,
    optimizer: `SGD lr ${learningRate}`,
    parameters: model.parameterCount(),
    target,
    seed,
    meanLabelsPerClient: labelsPerClient.reduce((a, b) => a + b, 0) / labelsPerClient.length,
  },
  roundsRun: curve.length,
  roundsToTarget,
  secondsToTarget,
  wallSeconds: Math.round((performance.now() - started) / 1000),
  meanSecondsPerRound:
    curve.length === 0
      ? null
      : Math.round(curve.reduce((total, point) => total + point.trainingSeconds, 0) / curve.length),
  bestTestAccuracy: curve.length === 0 ? null : Math.max(...curve.map((point) => point.testAccuracy)),
  reference: {
    mcmahanRoundsTo99: partitionName === 'iid' ? 20 : 206,
    source: 'McMahan et al. 2017, Table 2 (CNN, E = 5, B = 10)',
  },
  curve,
});

await runFederatedAveraging({
  model,
  task: classificationTask(),
  clientDatasets: partition.map((indices) => subset(trainDataset, indices)),
  rounds: maxRounds,
  clientFraction,
  localEpochs,
  localBatchSize: 10,
  seed,
  createOptimizer: (parameters) => new SGD(parameters, { learningRate }),
  evaluate: (global) => ({ testAccuracy: testAccuracy(global) }),
  onRoundEnd: (summary) => {
    const accuracy = summary.metrics.testAccuracy;
    const elapsed = (performance.now() - started) / 1000;
    if (roundsToTarget === null && accuracy >= target) {
      roundsToTarget = summary.round;
      secondsToTarget = Math.round(elapsed);
    }
    curve.push({
      round: summary.round,
      testAccuracy: accuracy,
      trainingLoss: Number(summary.trainingLoss.toFixed(4)),
      trainingSeconds: Math.round(summary.seconds),
      elapsedSeconds: Math.round(elapsed),
      tensors: tf.memory().numTensors,
    });
    process.stderr.write(
      `[federated-mnist ${partitionName}] round ${summary.round}: test accuracy ${(100 * accuracy).toFixed(2)}%, ` +
        `loss ${summary.trainingLoss.toFixed(4)}, ${Math.round(summary.seconds)} s training, ${Math.round(elapsed)} s total\n`,
    );
    writeFileSync(resultPath, `${JSON.stringify(report(false), null, 2)}\n`);
  },
  stopWhen: (summary) => summary.metrics.testAccuracy >= target || (performance.now() - started) / 60_000 >= maxMinutes,
});
const final = report(true);
writeFileSync(resultPath, `${JSON.stringify(final, null, 2)}\n`);
console.log(JSON.stringify(final, null, 2));
tf.disposeVariables();
