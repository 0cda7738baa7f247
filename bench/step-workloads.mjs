// The two training steps bench/torch-step.mjs times and bench/torch-profile.mjs dissects, built
// once here so both measure the same thing: nanoGPT's baby GPT step (batch 12, block 64, AdamW
// betas 0.9/0.99, weight decay 0.1, clip 1.0, as bench/gpt-shakespeare.mjs) and an MNIST-shaped
// CNN step (core's Conv2d 32 -> MaxPool -> Conv2d 64 -> MaxPool -> 128 -> 10, batch 64, Adam).
// bench/torch-step-pytorch.py holds the same two steps in PyTorch.
//
// With a data-parallel `group` (joinDataParallel in a worker of launchDataParallel), each worker
// takes its rows of every batch, replicas start from worker 0's weights, and gradients are averaged
// across workers before clipping and the optimizer step: the same training as one process.
//
// Batches are random tokens / pixels drawn before timing and cycled: a step's time does not depend
// on the values, and drawing 50,176 pixels with a JavaScript generator costs ~8 ms, which would be
// charged to Tessera's step while PyTorch's torch.rand costs ~0.1 ms. Each step still copies its
// batch into fresh tensors, as a data loader hands one over.
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
  Linear,
  MaxPool2d,
  Sequential,
  setGlobalSeed,
  tf,
  weightDecayGroups,
} from '@tessera/core';
import { GPT, gptConfig } from '@tessera/transformer';

const BATCHES = 4;

/** `count` typed arrays of `length` values from `draw`. */
function drawBatches(count, length, ArrayType, draw) {
  return Array.from({ length: count }, () => ArrayType.from({ length }, draw));
}

/** This worker's rows of a batch of `rows`, and the gradient transforms to apply (none alone). */
function parallelism(group, rows) {
  if (group === undefined) return { start: 0, end: rows, transforms: [] };
  return { ...group.shardRange(rows), transforms: [group.averageGradients()] };
}

const applyAll = (transforms, gradients, step) =>
  transforms.reduce((current, transform) => transform.apply(current, { step }), gradients);

/** The nanoGPT-baby training step: `{ run, dispose }`; `run` reads the loss as nanoGPT's loss.item(). */
export function createGptStep({ group } = {}) {
  setGlobalSeed(1337);
  const config = gptConfig('nanogpt-baby', { vocabularySize: 65 });
  const model = new GPT(config);
  const optimizer = new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), {
    learningRate: 1e-3,
    beta2: 0.99,
  });
  const { start, end, transforms } = parallelism(group, 12);
  group?.broadcastParameters(model.trainableParameters());
  transforms.push(clipGradientNorm(1.0));
  const random = createRandomGenerator(1);
  const length = 12 * config.blockSize;
  const batches = drawBatches(2 * BATCHES, length, Int32Array, () => random.nextInt(65)).map((batch) =>
    batch.subarray(start * config.blockSize, end * config.blockSize),
  );
  let step = 0;
  const run = () => {
    const shape = [end - start, config.blockSize]; // [batch, time]
    const inputs = tf.tensor2d(batches[(2 * step) % batches.length], shape, 'int32');
    const targets = tf.tensor2d(batches[(2 * step + 1) % batches.length], shape, 'int32');
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(model.trainableParameters(), () =>
        crossEntropy(model.forward(inputs), targets),
      );
      optimizer.step(applyAll(transforms, gradients, step++));
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

/** The MNIST-shaped CNN training step: `{ run, dispose }`. */
export function createCnnStep({ group } = {}) {
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
  const { start, end, transforms } = parallelism(group, 64);
  group?.broadcastParameters(model.trainableParameters());
  const random = createRandomGenerator(2);
  const pixels = drawBatches(BATCHES, 64 * 784, Float32Array, () => random.nextFloat()).map((batch) =>
    batch.subarray(start * 784, end * 784),
  );
  const labels = drawBatches(BATCHES, 64, Int32Array, () => random.nextInt(10)).map((batch) =>
    batch.subarray(start, end),
  );
  let step = 0;
  const run = () => {
    const batch = step % BATCHES;
    const images = tf.tensor4d(pixels[batch], [end - start, 28, 28, 1]); // [batch, height, width, channels]
    const targets = tf.tensor1d(labels[batch], 'int32');
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(model.trainableParameters(), () =>
        crossEntropy(model.forward(images), targets),
      );
      optimizer.step(applyAll(transforms, gradients, step++));
      return loss;
    });
    loss.dataSync();
    tf.dispose([loss, images, targets]);
  };
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { run, dispose };
}

export const stepWorkloads = { gpt: createGptStep, cnn: createCnnStep };

/**
 * The nanoGPT-baby step's products as its model calls them (bench/torch-step.mjs --products): the
 * fused Linear kernel at the step's three shapes (768 rows: batch 12 x block 64) forward, and
 * forward then backward (TesseraLinear + TesseraLinearGrad), and the fused attention kernel
 * ([12, 4, 64, 32], causal) forward then backward. Each call gets inputs no kernel has seen (as each
 * step's activations, weights and gradients are new tensors), so a bf16-mixed call pays every cast
 * a step pays. Each case: `{ flops, prepare(count), run(inputs) }`.
 */
export function createProductCases() {
  setGlobalSeed(7);
  const rows = 12 * 64;
  const fresh = (shapes, count) =>
    Array.from({ length: count }, () => shapes.map((shape) => tf.randomNormal(shape, 0, 0.5)));
  const cases = {};
  for (const [name, inFeatures, outFeatures] of [
    ['qkv 768x128.128x384', 128, 384],
    ['mlp up 768x128.128x512', 128, 512],
    ['mlp down 768x512.512x128', 512, 128],
  ]) {
    const shapes = [
      [12, 64, inFeatures],
      [inFeatures, outFeatures],
      [12, 64, outFeatures],
    ]; // x, weight, dy
    const flops = 2 * rows * inFeatures * outFeatures;
    const forward = ([x, weight]) => tf.engine().runKernel('TesseraLinear', { x, weight }, {});
    cases[`linear ${name} forward`] = {
      flops,
      prepare: (count) => fresh(shapes, count),
      run: (inputs) => [forward(inputs)],
    };
    cases[`linear ${name} forward+backward`] = {
      flops: 3 * flops,
      prepare: (count) => fresh(shapes, count),
      run: ([x, weight, dy]) => [
        forward([x, weight]),
        ...tf.engine().runKernel('TesseraLinearGrad', { dy, x, weight }, {}),
      ],
    };
  }
  const shape = [12, 4, 64, 32]; // [batch, heads, time, headSize]
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([64, 64]), -1, 0)), -1e9)); // [time, keys]
  const attrs = { scale: 1 / Math.sqrt(32) };
  cases['attention [12,4,64,32] forward+backward'] = {
    flops: 6 * 2 * 12 * 4 * 64 * 64 * 32, // two products forward, four backward
    prepare: (count) => fresh([shape, shape, shape, shape], count),
    run: ([query, key, value, dy]) => {
      const [output, weights] = tf
        .engine()
        .runKernel('TesseraScaledDotProductAttention', { query, key, value, mask }, attrs);
      const gradients = tf
        .engine()
        .runKernel('TesseraScaledDotProductAttentionGrad', { dy, query, key, value, weights }, attrs);
      return [output, weights, ...gradients];
    },
  };
  return { cases, dispose: () => mask.dispose() };
}

/**
 * Microseconds per `run(inputs)` over `repeats` calls, each on its own fresh inputs, after a
 * warm-up. Outputs are disposed, not read back: the torch backend runs each kernel to completion
 * before it returns, and copying a [768, 512] result to JavaScript would cost more than the bf16
 * product itself.
 */
export function timeProduct({ prepare, run }, repeats) {
  const warmup = 5;
  const inputs = prepare(warmup + repeats);
  for (let index = 0; index < warmup; index++) tf.dispose(run(inputs[index]));
  const started = performance.now();
  for (let index = warmup; index < warmup + repeats; index++) tf.dispose(run(inputs[index]));
  const microseconds = ((performance.now() - started) * 1000) / repeats;
  tf.dispose(inputs);
  return microseconds;
}

/** Milliseconds per `run()` over `steps` calls, after `warmup` untimed ones. */
export function timeSteps(run, { warmup, steps }) {
  for (let index = 0; index < warmup; index++) run();
  const started = performance.now();
  for (let index = 0; index < steps; index++) run();
  return (performance.now() - started) / steps;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
