// Whole AdamW training steps on webgpu against the same steps on tfjs's cpu backend, from identical
// initial weights: a tiny GPT (with global-norm clipping, as the recipes train), a tiny BERT
// classifier (with padding) and a small CNN (batch norm, max and average pooling, a depthwise and a
// strided convolution). Then: tensor counts and GPU bytes stay flat over a loop.
import {
  Activation,
  AdamW,
  AvgPool2d,
  BatchNorm,
  Conv2d,
  clipGradientNorm,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  Flatten,
  Linear,
  MaxPool2d,
  Sequential,
  tf,
} from '@tessera/core';
import { BertForSequenceClassification, bertConfig, GPT, gptConfig } from '@tessera/transformer';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpuBytesInUse, maxRelativeDifference, seededRandom } from './support/test-helpers.js';
import { skipReason } from './support/webgpu-test-environment.js';
import { webgpuBackendAdapter } from './webgpu-backend-adapter.js';

/** Losses and weights agree with cpu to this (relative above 1, absolute below): float32 summation order. */
const TOLERANCE = 1e-4;

interface Trainable {
  forward(inputs: tf.Tensor): tf.Tensor;
  trainableParameters(): [string, tf.Variable][];
  namedParameters(): [string, tf.Variable][];
  dispose(): void;
}

interface Batch {
  inputs: tf.Tensor;
  targets: tf.Tensor;
}

interface Run {
  losses: number[];
  parameters: Record<string, Float32Array>;
  /** After each step: tfjs tensors alive, and GPU bytes in use (webgpu only). */
  tensorCounts: number[];
  gpuBytes: (number | undefined)[];
}

async function train(
  backendName: string,
  build: () => Trainable,
  batch: () => Batch,
  steps: number,
  maxGradientNorm?: number,
): Promise<Run> {
  await tf.setBackend(backendName);
  const model = build();
  const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-2, weightDecay: 0.1 });
  const clip = maxGradientNorm === undefined ? undefined : clipGradientNorm(maxGradientNorm);
  const { inputs, targets } = batch();
  const run: Run = { losses: [], parameters: {}, tensorCounts: [], gpuBytes: [] };
  for (let step = 0; step < steps; step++) {
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(
        model.trainableParameters(),
        () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
      );
      optimizer.step(clip === undefined ? gradients : clip.apply(gradients, { step }));
      return loss;
    });
    // Asynchronously: webgpu cannot read GPU data synchronously in Node.
    run.losses.push((await loss.data())[0]!);
    loss.dispose();
    run.tensorCounts.push(tf.memory().numTensors);
    run.gpuBytes.push(gpuBytesInUse());
  }
  for (const [name, variable] of model.namedParameters()) {
    run.parameters[name] = (await variable.data()) as Float32Array;
  }
  tf.dispose([inputs, targets]);
  model.dispose();
  optimizer.dispose();
  return run;
}

function expectSameTraining(webgpu: Run, cpu: Run): void {
  expect(maxRelativeDifference(webgpu.losses, cpu.losses), `losses ${webgpu.losses} vs ${cpu.losses}`).toBeLessThan(
    TOLERANCE,
  );
  expect(Object.keys(webgpu.parameters)).toEqual(Object.keys(cpu.parameters));
  for (const [name, values] of Object.entries(cpu.parameters)) {
    expect(maxRelativeDifference(webgpu.parameters[name]!, values), name).toBeLessThan(TOLERANCE);
  }
  // It learns: the last loss is below the first.
  expect(webgpu.losses.at(-1)!).toBeLessThan(webgpu.losses[0]!);
}

/** Four rows of 17 tokens from a 13-token vocabulary: inputs [4, 16] and next-token targets [4, 16]. */
const tokenRows = () => {
  const random = seededRandom(3);
  return Array.from({ length: 4 }, () => Array.from({ length: 17 }, () => Math.floor(random() * 13)));
};

const gptBatch = (): Batch => {
  const rows = tokenRows();
  return {
    inputs: tf.tensor2d(
      rows.map((row) => row.slice(0, 16)),
      [4, 16],
      'int32',
    ),
    targets: tf.tensor2d(
      rows.map((row) => row.slice(1)),
      [4, 16],
      'int32',
    ),
  };
};

const buildGpt = (): Trainable =>
  new GPT(
    gptConfig('nanogpt-baby', {
      vocabularySize: 13,
      blockSize: 16,
      layerCount: 2,
      headCount: 2,
      embeddingSize: 16,
      dropout: 0,
    }),
    { random: createRandomGenerator(5) },
  );

/** Which of each row's 16 positions are real tokens (the rest is padding). */
const ATTENTION_MASK = [16, 12, 8, 14].map((length) =>
  Array.from({ length: 16 }, (_, index) => (index < length ? 1 : 0)),
);

const buildBert = (): Trainable => {
  const config = {
    ...bertConfig('bert-tiny'),
    vocabularySize: 13,
    hiddenSize: 16,
    layerCount: 2,
    headCount: 2,
    intermediateSize: 32,
    maxPositions: 16,
    dropout: 0,
  };
  const classifier = new BertForSequenceClassification(config, 3, { random: createRandomGenerator(6) });
  return {
    forward: (ids) =>
      tf.tidy(() => classifier.forward(ids, { attentionMask: tf.tensor2d(ATTENTION_MASK, [4, 16], 'int32') })),
    trainableParameters: () => classifier.trainableParameters(),
    namedParameters: () => classifier.namedParameters(),
    dispose: () => classifier.dispose(),
  };
};

const bertBatch = (): Batch => ({
  inputs: tf.tensor2d(
    tokenRows().map((row) => row.slice(0, 16)),
    [4, 16],
    'int32',
  ),
  targets: tf.tensor1d([0, 2, 1, 2], 'int32'),
});

const buildCnn = (): Trainable => {
  const random = createRandomGenerator(11);
  return new Sequential(
    // No bias before batch norm: its gradient is rounding noise, which Adam would amplify.
    new Conv2d(1, 4, 3, { padding: 1, bias: false, random }), // [batch, 12, 12, 4]
    new BatchNorm(4),
    new Activation('relu'),
    new MaxPool2d(2), // [batch, 6, 6, 4]
    new Conv2d(4, 4, 3, { padding: 1, groups: 4, random }), // depthwise: [batch, 6, 6, 4]
    new AvgPool2d(2), // [batch, 3, 3, 4]
    new Conv2d(4, 8, 3, { stride: 2, padding: 1, random }), // [batch, 2, 2, 8]
    new Activation('relu'),
    new Flatten(), // [batch, 32]
    new Linear(32, 10, { random }),
  ) as unknown as Trainable;
};

const cnnBatch = (): Batch => {
  const random = seededRandom(4);
  return {
    inputs: tf.tensor4d(
      Float32Array.from({ length: 8 * 144 }, () => random()),
      [8, 12, 12, 1],
    ),
    targets: tf.tensor1d(
      Array.from({ length: 8 }, (_, index) => index % 10),
      'int32',
    ),
  };
};

describe.skipIf(skipReason !== '')(`training steps on webgpu ${skipReason}`, () => {
  beforeAll(async () => {
    await webgpuBackendAdapter.activate();
  });

  it('a GPT with gradient clipping trains the same on webgpu as on cpu (3 AdamW steps: losses and weights)', async () => {
    const cpu = await train('cpu', buildGpt, gptBatch, 3, 1);
    const webgpu = await train('webgpu', buildGpt, gptBatch, 3, 1);
    expectSameTraining(webgpu, cpu);
  });

  it('a BERT classifier with padding trains the same on webgpu as on cpu', async () => {
    const cpu = await train('cpu', buildBert, bertBatch, 3);
    const webgpu = await train('webgpu', buildBert, bertBatch, 3);
    expectSameTraining(webgpu, cpu);
  });

  it('a CNN with batch norm, pooling, depthwise and strided convolutions trains the same on webgpu as on cpu', async () => {
    const cpu = await train('cpu', buildCnn, cnnBatch, 3);
    const webgpu = await train('webgpu', buildCnn, cnnBatch, 3);
    expectSameTraining(webgpu, cpu);
  });

  it('keeps tfjs tensor counts and GPU bytes flat over 6 GPT steps, and frees them on dispose', async () => {
    await tf.setBackend('webgpu');
    const before = { tensors: tf.memory().numTensors, gpuBytes: gpuBytesInUse() };
    const run = await train('webgpu', buildGpt, gptBatch, 6, 1);
    // The optimizer creates its moment slots on the first step; from then on nothing grows.
    expect(new Set(run.tensorCounts.slice(1)).size, `${run.tensorCounts}`).toBe(1);
    expect(new Set(run.gpuBytes.slice(1)).size, `${run.gpuBytes}`).toBe(1);
    expect(run.gpuBytes[1]).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(gpuBytesInUse()).toBe(before.gpuBytes);
  });
});
