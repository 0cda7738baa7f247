import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import { computeGradients } from '../optim/gradients.js';
import { Adam } from '../optim/optimizers.js';
import { createRandomGenerator, type RandomGenerator } from '../random/random-generator.js';
import { relu } from './activations.js';
import { Linear } from './layers/linear.js';
import { LSTM } from './layers/recurrent.js';
import { Module } from './module.js';

/**
 * The modelling kit end to end on the embedded default (wasm): modules, seeded initialisation,
 * a loss, gradients by parameter name and an optimizer. (The Trainer in @tessera/trainers wraps
 * this loop; here it is written out so the kit is tested on its own.)
 */

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

class MultilayerPerceptron extends Module<[tf.Tensor], tf.Tensor> {
  readonly hidden: Linear;
  readonly middle: Linear;
  readonly output: Linear;
  constructor(random: RandomGenerator) {
    super();
    this.hidden = this.registerModule('hidden', new Linear(2, 64, { random }));
    this.middle = this.registerModule('middle', new Linear(64, 64, { random }));
    this.output = this.registerModule('output', new Linear(64, 3, { random }));
  }
  forward(x: tf.Tensor) {
    return tf.tidy(() => this.output.forward(relu(this.middle.forward(relu(this.hidden.forward(x))))));
  }
}

/** Three concentric rings with gaps between them: not linearly separable. */
function rings(count: number, random: RandomGenerator): { points: tf.Tensor2D; labels: tf.Tensor1D } {
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = random.nextInt(3);
    const radius = 0.5 + label + 0.6 * random.nextFloat();
    const angle = 2 * Math.PI * random.nextFloat();
    points.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
    labels.push(label);
  }
  return { points: tf.tensor2d(points), labels: tf.tensor1d(labels, 'int32') };
}

function trainSteps(
  model: Module<[tf.Tensor], tf.Tensor>,
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
  learningRate: number,
) {
  const optimizer = new Adam(model.trainableParameters(), { learningRate });
  const losses: number[] = [];
  const tensorCounts: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tf.tidy(() => {
      const { loss, gradients } = computeGradients(
        model.trainableParameters(),
        () => crossEntropy(model.forward(x), y) as tf.Scalar,
      );
      optimizer.step(gradients);
      return loss;
    });
    losses.push(loss.dataSync()[0] as number);
    loss.dispose();
    tensorCounts.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  return { losses, tensorCounts };
}

function accuracy(model: Module<[tf.Tensor], tf.Tensor>, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(
    () => tf.mean(tf.cast(tf.equal(tf.argMax(model.eval().forward(x), -1), y), 'float32')).dataSync()[0] as number,
  );
}

describe('training with the core modelling kit on wasm', () => {
  it('a seeded MLP reaches ≥ 97% held-out accuracy on concentric rings; memory stays flat for 200 steps', () => {
    const data = rings(1200, createRandomGenerator(10));
    const test = rings(600, createRandomGenerator(11));
    const model = new MultilayerPerceptron(createRandomGenerator(12));
    const { losses, tensorCounts } = trainSteps(model, data.points, data.labels, 200, 0.01);
    expect(losses[199]).toBeLessThan(0.1 * (losses[0] as number));
    expect(accuracy(model, test.points, test.labels)).toBeGreaterThanOrEqual(0.97);
    // From the second step on (the optimizer's state exists) the count never moves.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    model.dispose();
  });

  it('the same seed gives the same initial weights and the same first 20 losses', async () => {
    const data = rings(256, createRandomGenerator(20));
    const run = async () => {
      const model = new MultilayerPerceptron(createRandomGenerator(21));
      const initial = Array.from(await model.hidden.weight.data());
      const { losses } = trainSteps(model, data.points, data.labels, 20, 0.01);
      model.dispose();
      return { initial, losses };
    };
    const first = await run();
    const second = await run();
    expect(second.initial).toEqual(first.initial);
    expect(second.losses).toEqual(first.losses);
    const other = new MultilayerPerceptron(createRandomGenerator(22));
    expect(Array.from(await other.hidden.weight.data())).not.toEqual(first.initial);
    other.dispose();
  });

  it('an LSTM learns to count the ones in a bit sequence (7 classes; chance ≈ 31%)', () => {
    const random = createRandomGenerator(30);
    const makeSet = (count: number) => {
      const sequences: number[][][] = [];
      const counts: number[] = [];
      for (let i = 0; i < count; i++) {
        const bits = Array.from({ length: 6 }, () => random.nextInt(2));
        sequences.push(bits.map((bit) => [bit]));
        counts.push(bits.reduce((a, b) => a + b, 0));
      }
      return { x: tf.tensor3d(sequences), y: tf.tensor1d(counts, 'int32') };
    };
    class Counter extends Module<[tf.Tensor], tf.Tensor> {
      readonly lstm = this.registerModule('lstm', new LSTM(1, 16, { returnSequences: false, random }));
      readonly head = this.registerModule('head', new Linear(16, 7, { random }));
      forward(x: tf.Tensor) {
        return tf.tidy(() => this.head.forward(this.lstm.forward(x)));
      }
    }
    const train = makeSet(512);
    const test = makeSet(256);
    const model = new Counter();
    trainSteps(model, train.x, train.y, 150, 0.02);
    expect(accuracy(model, test.x, test.y)).toBeGreaterThan(0.9);
    model.dispose();
  });
});
