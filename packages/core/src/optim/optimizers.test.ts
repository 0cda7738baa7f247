import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { maximumError, torchReference } from '../fixtures/torch/torch-reference.js';
import { clipGradientNorm, computeGradients } from './gradients.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from './optimizers.js';
import {
  cosineWithWarmupSchedule,
  exponentialSchedule,
  linearWithWarmupSchedule,
  oneCycleSchedule,
  stepSchedule,
} from './schedules.js';

const reference = torchReference.optimizers;
const constructors = { SGD, Adam, AdamW, RMSprop, Adagrad } as const;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('optimizers against torch.optim', () => {
  it('every optimizer follows PyTorch for five steps', async () => {
    for (const testCase of reference.cases) {
      const parameter = tf.variable(tf.tensor2d(reference.initial));
      const Constructor = constructors[testCase.optimizer as keyof typeof constructors];
      const optimizer = new Constructor([['weight', parameter]], testCase.options);
      for (const [step, gradient] of (reference.gradients as number[][][]).entries()) {
        const g = tf.tensor2d(gradient);
        optimizer.step({ weight: g });
        g.dispose();
        expect(
          maximumError(await parameter.array(), testCase.trajectory[step]),
          `${testCase.optimizer} step ${step}`,
        ).toBeLessThan(2e-6);
      }
      optimizer.dispose();
      parameter.dispose();
    }
  });

  it('AdamW with parameter groups and a learning-rate factor follows PyTorch', async () => {
    const matrix = tf.variable(tf.tensor2d(reference.initial));
    const vector = tf.variable(tf.tensor1d(reference.vector));
    const optimizer = new AdamW(
      [
        { parameters: [['matrix', matrix]], options: { weightDecay: 0.1 } },
        { parameters: [['vector', vector]], options: { weightDecay: 0, learningRate: 0.02 } },
      ],
      { learningRate: 0.01 },
    );
    const { factors, trajectory } = reference.groupedAdamW;
    for (let step = 0; step < factors.length; step++) {
      optimizer.learningRateFactor = factors[step];
      tf.tidy(() =>
        optimizer.step({
          matrix: tf.tensor2d(reference.gradients[step]),
          vector: tf.tensor1d(reference.vectorGradients[step]),
        }),
      );
      expect(maximumError(await matrix.array(), trajectory[step].matrix)).toBeLessThan(2e-6);
      expect(maximumError(await vector.array(), trajectory[step].vector)).toBeLessThan(2e-6);
    }
    expect(optimizer.learningRates).toEqual([0.01 * 0.1, 0.02 * 0.1]);
  });

  it('state round-trips: a restored optimizer continues exactly like the original', async () => {
    const make = () => tf.variable(tf.tensor2d(reference.initial));
    const original = make();
    const adam = new Adam([['w', original]], { learningRate: 0.05 });
    const gradients = (reference.gradients as number[][][]).map((g) => tf.tensor2d(g));
    for (const g of gradients.slice(0, 2)) adam.step({ w: g });
    const saved = adam.stateDict();
    const copy = tf.variable(tf.clone(original));
    const restored = new Adam([['w', copy]], { learningRate: 0.05 });
    // The config travels as JSON in a checkpoint; the tensors as safetensors.
    restored.loadStateDict({ tensors: saved.tensors, config: JSON.parse(JSON.stringify(saved.config)) });
    for (const g of gradients.slice(2)) {
      adam.step({ w: g });
      restored.step({ w: g });
    }
    expect(await copy.data()).toEqual(await original.data());
    expect(Object.keys(saved.tensors).sort()).toEqual(['w.exp_avg', 'w.exp_avg_sq']);
    expect(saved.config.steps).toEqual({ w: 2 });
    expect(adam.stateDict().config.steps).toEqual({ w: 5 });
  });

  it('a training step leaves tf.memory().numTensors unchanged', () => {
    const weight = tf.variable(tf.randomNormal([8, 3], 0, 1, 'float32', 1));
    const x = tf.randomNormal([16, 8], 0, 1, 'float32', 2);
    const optimizer = new AdamW([['weight', weight]]);
    const clip = clipGradientNorm(1);
    const step = () =>
      tf.tidy(() => {
        const { gradients } = computeGradients(
          [['weight', weight]],
          () => tf.mean(tf.square(tf.matMul(x, weight))) as tf.Scalar,
        );
        optimizer.step(clip.apply(gradients, { step: 0 }));
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('global-norm clipping matches torch.nn.utils.clip_grad_norm_', async () => {
    const { maxNorm, inputs, clipped } = reference.clipGradientNorm;
    const result = clipGradientNorm(maxNorm).apply(
      { a: tf.tensor2d(inputs[0]), b: tf.tensor1d(inputs[1]) },
      { step: 0 },
    );
    expect(maximumError(await result.a?.array(), clipped[0])).toBeLessThan(1e-6);
    expect(maximumError(await result.b?.array(), clipped[1])).toBeLessThan(1e-6);
  });

  it('rejects bad hyperparameters and mismatched gradients', () => {
    const weight = tf.variable(tf.zeros([2]));
    expect(() => new SGD([['w', weight]], { learningRate: -1 })).toThrow(/E_OPTIMIZER_OPTION/);
    expect(() => new SGD([['w', weight]], { learningRate: 0.1 }).step({ w: tf.zeros([3]) })).toThrow(
      /E_OPTIMIZER_GRADIENT/,
    );
  });
});

describe('learning-rate schedules against PyTorch, nanoGPT and Hugging Face', () => {
  const factors = (schedule: (step: number) => number, steps: number) =>
    Array.from({ length: steps }, (_, step) => schedule(step));
  const schedules = torchReference.schedules;

  it('step, exponential and one-cycle match torch.optim.lr_scheduler', () => {
    expect(maximumError(factors(stepSchedule({ stepSize: 7, gamma: 0.5 }), 30), schedules.step)).toBeLessThan(1e-12);
    expect(maximumError(factors(exponentialSchedule({ gamma: 0.9 }), 30), schedules.exponential)).toBeLessThan(1e-12);
    expect(maximumError(factors(oneCycleSchedule({ totalSteps: 30 }), 30), schedules.oneCycleCos)).toBeLessThan(1e-9);
    const linear = oneCycleSchedule({ totalSteps: 25, percentStart: 0.4, annealStrategy: 'linear' });
    expect(maximumError(factors(linear, 25), schedules.oneCycleLinear)).toBeLessThan(1e-9);
  });

  it("cosine with warmup is nanoGPT's get_lr; linear with warmup is Hugging Face's", () => {
    const cosine = cosineWithWarmupSchedule({ warmupSteps: 10, totalSteps: 40, minimumFactor: 0.1 });
    expect(maximumError(factors(cosine, 50), schedules.cosineWithWarmup)).toBeLessThan(1e-12);
    const linear = linearWithWarmupSchedule({ warmupSteps: 5, totalSteps: 30 });
    expect(maximumError(factors(linear, 35), schedules.linearWithWarmup)).toBeLessThan(1e-12);
  });
});
