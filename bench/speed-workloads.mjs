// The training workloads the speed benchmarks time, built from Tessera's public API exactly as a
// user would: nanoGPT's baby GPT step, the MNIST CNN step of vision-mnist-cnn.mjs, and an epoch of
// biased matrix factorization on MovieLens 100K u1.base. bench/speed-pytorch.py builds the same
// three in PyTorch. Batches are made once up front (data loading is not what is timed, on either
// side); each `step()` is forward, backward, gradient transforms and the optimizer update.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Adam,
  AdamW,
  clipGradientNorm,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  meanSquaredErrorLoss,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { MatrixFactorization } from '@tessera/recsys';
import { GPT, gptConfig } from '@tessera/transformer';
import { SmallConvNet } from '@tessera/vision';

const here = dirname(fileURLToPath(import.meta.url));
export const sharedData = join(here, '../../shared/data');

/** One optimizer step: loss, gradients, transforms, update; returns the loss as a number. */
function trainingStep(model, optimizer, transforms, lossOf) {
  const loss = tf.tidy(() => {
    const { loss, gradients } = computeGradients(model.namedParameters(), lossOf);
    let transformed = gradients;
    for (const transform of transforms) transformed = transform.apply(transformed, { step: 0 });
    optimizer.step(transformed);
    return loss;
  });
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/** nanoGPT's nanogpt-baby step: batch 12 × block 64, AdamW (decay 0.1, β₂ 0.99), clip 1.0. */
export function createGptWorkload({ batchSize = 12, seed = 1337 } = {}) {
  setGlobalSeed(seed);
  const text = readFileSync(join(sharedData, 'tinyshakespeare/input.txt'), 'utf8');
  const characters = [...new Set(text)].sort();
  const index = new Map(characters.map((character, position) => [character, position]));
  const config = gptConfig('nanogpt-baby', { vocabularySize: characters.length });
  const model = new GPT(config);
  const optimizer = new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), {
    learningRate: 1e-3,
    beta2: 0.99,
  });
  const random = createRandomGenerator(seed);
  const inputs = new Int32Array(batchSize * config.blockSize);
  const targets = new Int32Array(batchSize * config.blockSize);
  for (let row = 0; row < batchSize; row++) {
    const start = random.nextInt(text.length - config.blockSize - 1);
    for (let t = 0; t < config.blockSize; t++) {
      inputs[row * config.blockSize + t] = index.get(text[start + t]);
      targets[row * config.blockSize + t] = index.get(text[start + t + 1]);
    }
  }
  const inputIds = tf.tensor2d(inputs, [batchSize, config.blockSize], 'int32');
  const targetIds = tf.tensor2d(targets, [batchSize, config.blockSize], 'int32');
  const transforms = [clipGradientNorm(1.0)];
  return {
    name: 'gpt',
    description: `nanogpt-baby training step (batch ${batchSize}, block ${config.blockSize}, 4 layers, 4 heads, 128 dims)`,
    itemName: 'tokens',
    itemsPerStep: batchSize * config.blockSize,
    model,
    step: () => trainingStep(model, optimizer, transforms, () => crossEntropy(model.forward(inputIds), targetIds)),
    dispose() {
      tf.dispose([inputIds, targetIds]);
    },
  };
}

/** vision-mnist-cnn.mjs's model (SmallConvNet, conv 32/64, dense 128, dropout 0.5), Adam, batch 64. */
export function createCnnWorkload({ batchSize = 64, seed = 1 } = {}) {
  setGlobalSeed(seed);
  const model = new SmallConvNet({ convolutionChannels: [32, 64], hiddenSize: 128, dropout: 0.5 });
  model.train();
  const optimizer = new Adam(model.trainableParameters(), { learningRate: 2e-3 });
  const random = createRandomGenerator(seed);
  const pixels = Float32Array.from({ length: batchSize * 28 * 28 }, () => random.nextFloat());
  const labels = Int32Array.from({ length: batchSize }, () => random.nextInt(10));
  const images = tf.tensor4d(pixels, [batchSize, 28, 28, 1]); // [batch, height, width, channels]
  const targets = tf.tensor1d(labels, 'int32');
  return {
    name: 'cnn',
    description: `MNIST CNN training step (SmallConvNet 32/64 + dense 128, batch ${batchSize}, Adam)`,
    itemName: 'images',
    itemsPerStep: batchSize,
    model,
    step: () => trainingStep(model, optimizer, [], () => crossEntropy(model.forward(images), targets)),
    dispose() {
      tf.dispose([images, targets]);
    },
  };
}

/** MovieLens 100K u1.base (80,000 ratings). */
export function readMovieLensBase() {
  const lines = readFileSync(join(sharedData, 'ml-100k/u1.base'), 'utf8').trim().split('\n');
  const users = new Int32Array(lines.length);
  const items = new Int32Array(lines.length);
  const ratings = new Float32Array(lines.length);
  lines.forEach((line, row) => {
    const [user, item, rating] = line.split('\t');
    users[row] = Number(user) - 1;
    items[row] = Number(item) - 1;
    ratings[row] = Number(rating);
  });
  return { users, items, ratings, userCount: 943, itemCount: 1682 };
}

/**
 * One epoch of recsys's MatrixFactorization (biased MF, 32 factors) over u1.base as
 * NeuralRecommender trains it: Adam lr 1e-3, batch 512, mean squared error. A "step" is an epoch.
 */
export function createMatrixFactorizationWorkload({ batchSize = 512, seed = 1 } = {}) {
  setGlobalSeed(seed);
  const { users, items, ratings, userCount, itemCount } = readMovieLensBase();
  const mean = ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length;
  const model = new MatrixFactorization({ userCount, itemCount, factors: 32 }, { globalMean: mean });
  const optimizer = new Adam(model.trainableParameters(), { learningRate: 1e-3 });
  const batches = [];
  for (let start = 0; start < ratings.length; start += batchSize) {
    const end = Math.min(start + batchSize, ratings.length);
    batches.push({
      userIndices: tf.tensor1d(users.subarray(start, end), 'int32'),
      itemIndices: tf.tensor1d(items.subarray(start, end), 'int32'),
      featureIds: tf.zeros([end - start, 0], 'int32'),
      featureValues: tf.zeros([end - start, 0]),
      targets: tf.tensor1d(ratings.subarray(start, end)),
    });
  }
  return {
    name: 'matrix-factorization',
    description: `biased matrix factorization epoch on MovieLens 100K u1.base (80,000 ratings, 32 factors, batch ${batchSize}, Adam)`,
    itemName: 'ratings',
    itemsPerStep: ratings.length,
    model,
    step: () => {
      let loss = 0;
      for (const batch of batches) {
        loss = trainingStep(model, optimizer, [], () => meanSquaredErrorLoss(model.forward(batch), batch.targets));
      }
      return loss;
    },
    dispose() {
      for (const batch of batches) tf.dispose(Object.values(batch));
    },
  };
}

export async function createWorkload(name, options = {}) {
  if (name === 'gpt') return createGptWorkload(options);
  if (name === 'cnn') return createCnnWorkload(options);
  if (name === 'matrix-factorization' || name === 'mf') return createMatrixFactorizationWorkload(options);
  throw new Error(`unknown workload '${name}': gpt, cnn or matrix-factorization`);
}
