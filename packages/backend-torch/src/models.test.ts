// Whole training steps on torch against the same steps on tfjs's cpu backend: a tiny GPT
// (packages/transformer) and a small CNN (core's Conv2d, BatchNorm, MaxPool2d), from identical
// initial weights. Also: tensor counts stay flat over long loops, and disposing frees native memory.
import {
  Activation,
  AdamW,
  BatchNorm,
  Conv2d,
  computeGradients,
  createRandomGenerator,
  crossEntropy,
  Embedding,
  Flatten,
  GRU,
  Linear,
  LSTM,
  MaxPool2d,
  Module,
  Sequential,
  tf,
} from '@tessera/core';
import { GPT, gptConfig } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import './index.js';
import { maxRelativeDifference, seededRandom, skipReason } from './test-support.js';
import type { TorchBackend } from './torch-backend.js';

interface StepRecord {
  losses: number[];
  parameters: Record<string, number[]>;
}

/** Trains `steps` AdamW steps of `build()` on `backendName`; returns losses and final weights. */
async function train(
  backendName: string,
  build: () => Module<[tf.Tensor], tf.Tensor>,
  batch: () => { inputs: tf.Tensor; targets: tf.Tensor },
  steps: number,
): Promise<StepRecord> {
  await tf.setBackend(backendName);
  const model = build();
  const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-2, weightDecay: 0.1 });
  const { inputs, targets } = batch();
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(
        model.trainableParameters(),
        () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
      );
      optimizer.step(gradients);
      return loss;
    });
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  const parameters = Object.fromEntries(
    model.namedParameters().map(([name, variable]) => [name, Array.from(variable.dataSync())]),
  );
  tf.dispose([inputs, targets]);
  model.dispose();
  optimizer.dispose();
  return { losses, parameters };
}

function expectSameTraining(torch: StepRecord, cpu: StepRecord, tolerance: number): void {
  expect(maxRelativeDifference(torch.losses, cpu.losses)).toBeLessThan(tolerance);
  expect(Object.keys(torch.parameters)).toEqual(Object.keys(cpu.parameters));
  for (const [name, values] of Object.entries(cpu.parameters)) {
    const difference = maxRelativeDifference(torch.parameters[name]!, values);
    expect(difference, name).toBeLessThan(tolerance);
  }
}

const tinyGpt = gptConfig('nanogpt-baby', {
  vocabularySize: 13,
  blockSize: 16,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 16,
  dropout: 0,
});

const gptBatch = () => {
  const random = seededRandom(3);
  const tokens = Array.from({ length: 4 * 17 }, () => Math.floor(random() * 13));
  const rows = Array.from({ length: 4 }, (_, row) => tokens.slice(row * 17, row * 17 + 17));
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

const buildCnn = () => {
  const random = createRandomGenerator(11);
  return new Sequential(
    // No bias before batch norm: its gradient is rounding noise, which Adam would amplify into
    // full-size steps that differ between any two backends.
    new Conv2d(1, 4, 3, { padding: 1, bias: false, random }), // [batch, 12, 12, 4]
    new BatchNorm(4),
    new Activation('relu'),
    new MaxPool2d(2), // [batch, 6, 6, 4]
    new Conv2d(4, 8, 3, { stride: 2, padding: 1, random }), // [batch, 3, 3, 8]
    new Activation('relu'),
    new Flatten(),
    new Linear(72, 10, { random }),
  );
};

const cnnBatch = () => {
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

/** Embedding (gather + UnsortedSegmentSum) into an LSTM and a GRU, predicting the next token. */
class RecurrentLanguageModel extends Module<[tf.Tensor], tf.Tensor> {
  readonly embedding: Embedding;
  readonly lstm: LSTM;
  readonly gru: GRU;
  readonly head: Linear;

  constructor() {
    super();
    const random = createRandomGenerator(12);
    this.embedding = this.registerModule('embedding', new Embedding(13, 8, { random }));
    this.lstm = this.registerModule('lstm', new LSTM(8, 8, { random }));
    this.gru = this.registerModule('gru', new GRU(8, 8, { random }));
    this.head = this.registerModule('head', new Linear(8, 13, { random }));
  }

  forward(tokens: tf.Tensor): tf.Tensor {
    const embedded = this.embedding.forward(tokens); // [batch, time, 8]
    return this.head.forward(this.gru.forward(this.lstm.forward(embedded))); // [batch, time, 13]
  }
}

describe.skipIf(skipReason !== '')(`training steps on torch ${skipReason}`, () => {
  it('a GPT trains the same on torch as on cpu (5 AdamW steps: losses and weights)', async () => {
    const build = () => new GPT(tinyGpt, { random: createRandomGenerator(5) });
    const cpu = await train('cpu', build, gptBatch, 5);
    const torch = await train('torch', build, gptBatch, 5);
    expectSameTraining(torch, cpu, 2e-4);
    expect(torch.losses[4]).toBeLessThan(torch.losses[0]!);
  });

  it('a CNN with batch norm and max pooling trains the same on torch as on cpu', async () => {
    const cpu = await train('cpu', buildCnn, cnnBatch, 5);
    const torch = await train('torch', buildCnn, cnnBatch, 5);
    expectSameTraining(torch, cpu, 2e-4);
  });

  it('embeddings, an LSTM and a GRU train the same on torch as on cpu', async () => {
    const cpu = await train('cpu', () => new RecurrentLanguageModel(), gptBatch, 3);
    const torch = await train('torch', () => new RecurrentLanguageModel(), gptBatch, 3);
    expectSameTraining(torch, cpu, 2e-4);
  });

  it('keeps tfjs tensor counts and native tensors flat over 50 GPT steps, and frees native memory on dispose', async () => {
    await tf.setBackend('torch');
    const backend = tf.backend() as TorchBackend;
    const before = backend.memory();
    const model = new GPT(tinyGpt, { random: createRandomGenerator(5) });
    const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-3 });
    const { inputs, targets } = gptBatch();
    const tensorCounts: number[] = [];
    const nativeCounts: number[] = [];
    for (let step = 0; step < 50; step++) {
      tf.tidy(() => {
        const { gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
        );
        optimizer.step(gradients);
      });
      tensorCounts.push(tf.memory().numTensors);
      nativeCounts.push(backend.memory().nativeTensors);
    }
    // The optimizer creates its moment slots on the first step; from then on nothing grows.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    expect(new Set(nativeCounts.slice(1)).size).toBe(1);
    // Every live tfjs data buffer on torch is exactly one native tensor.
    expect(backend.memory().nativeTensors).toBe(backend.numDataIds());
    tf.dispose([inputs, targets]);
    model.dispose();
    optimizer.dispose();
    expect(backend.memory().nativeTensors).toBe(before.nativeTensors);
    expect(backend.memory().nativeBytes).toBe(before.nativeBytes);
  });
});
