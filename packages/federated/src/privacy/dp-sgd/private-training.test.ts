import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  classificationTask,
  createDataLoader,
  createRandomGenerator,
  datasetFromColumns,
  initBackend,
  Linear,
  Module,
  SGD,
  setGlobalSeed,
  tf,
} from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeEpsilon } from '../accountant/privacy-spent.js';
import { SmallCnn } from '../per-example/test-models.js';
import { DifferentiallyPrivateSGD } from './differentially-private-sgd.js';
import { makePrivate } from './make-private.js';
import { Mlp, privateStep, tabularData } from './test-data.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const task = classificationTask();

describe('DP-SGD through the Trainer', () => {
  it('trains an MLP classifier privately: accuracy rises, ε is the accountant’s, tensors stay flat', async () => {
    setGlobalSeed(5);
    const model = new Mlp();
    const dataset = tabularData(600, 1);
    const {
      task: privateTask,
      loader,
      privacy,
      noiseMultiplier,
      getEpsilon,
    } = makePrivate({
      model,
      task,
      dataset,
      expectedBatchSize: 60,
      noiseMultiplier: 0.8,
      maxGradientNorm: 1,
      seed: 7,
    });
    const tensorCounts: number[] = [];
    const trainer = new Trainer({
      model,
      task: privateTask,
      optimizer: new SGD(model.trainableParameters(), { learningRate: 0.5 }),
      gradientTransforms: [privacy.gradientTransform],
      callbacks: [{ onStepEnd: () => void tensorCounts.push(tf.memory().numTensors) }],
    });
    const evaluation = createDataLoader(tabularData(300, 2), { batchSize: 100 });
    const before = await trainer.evaluate(evaluation);
    await trainer.fit(loader, { epochs: 4 });
    const after = await trainer.evaluate(evaluation);
    expect(before.metrics.accuracy).toBeLessThan(0.6);
    expect(after.metrics.accuracy).toBeGreaterThan(0.9);
    expect(tensorCounts.length).toBe(40); // 4 epochs of ⌊1/q⌋ = 10 steps
    expect(new Set(tensorCounts.slice(2)).size).toBe(1); // flat after the first steps
    expect(privacy.accountant.steps).toBe(40);
    const expected = computeEpsilon({ samplingRate: 0.1, noiseMultiplier, steps: 40, delta: 1e-5 });
    expect(getEpsilon(1e-5)).toBeCloseTo(expected.epsilon, 12);
    privacy.detach();
  });

  it('trains a small CNN (strided, dilated, grouped and depthwise convolutions) through the same path', async () => {
    setGlobalSeed(3);
    const random = createRandomGenerator(4);
    const count = 240;
    const images = new Float32Array(count * 9 * 7 * 2);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 3; // class = which third of the rows is bright
      for (let row = 0; row < 9; row++) {
        for (let column = 0; column < 7; column++) {
          for (let channel = 0; channel < 2; channel++) {
            const bright = Math.floor(row / 3) === labels[i] ? 1 : 0;
            images[((i * 9 + row) * 7 + column) * 2 + channel] = bright + 0.3 * random.nextNormal();
          }
        }
      }
    }
    const dataset = datasetFromColumns({ features: { values: images, rowLength: 9 * 7 * 2 }, labels });
    const reshape = (batch: { features: tf.Tensor; labels: tf.Tensor }) => ({
      features: tf.reshape(batch.features, [-1, 9, 7, 2]),
      labels: batch.labels,
    });
    const imageTask = {
      ...task,
      forward: (
        model: Module<[tf.Tensor], tf.Tensor>,
        batch: { features: tf.Tensor; labels: tf.Tensor },
        context: { training: boolean },
      ) => task.forward(model, reshape(batch), context),
    };
    const model = new SmallCnn();
    const {
      task: privateTask,
      loader,
      privacy,
    } = makePrivate({
      model,
      task: imageTask,
      dataset,
      expectedBatchSize: 24,
      noiseMultiplier: 0.5,
      maxGradientNorm: 1,
      seed: 2,
    });
    const trainer = new Trainer({
      model,
      task: privateTask,
      optimizer: new SGD(model.trainableParameters(), { learningRate: 0.3 }),
      gradientTransforms: [privacy.gradientTransform],
    });
    const evaluation = createDataLoader(dataset, { batchSize: 80 });
    await trainer.fit(loader, { epochs: 3 });
    const after = await trainer.evaluate(evaluation);
    expect(after.metrics.accuracy).toBeGreaterThan(0.9);
    expect(privacy.accountant.steps).toBe(30);
    privacy.detach();
  });

  it('refuses gradient accumulation, a missing wrapped task and a weight used outside its layer', async () => {
    setGlobalSeed(6);
    const model = new Mlp();
    const dataset = tabularData(60, 3);
    const {
      task: privateTask,
      loader,
      privacy,
    } = makePrivate({
      model,
      task,
      dataset,
      expectedBatchSize: 10,
      noiseMultiplier: 1,
      maxGradientNorm: 1,
      seed: 1,
    });
    const optimizer = new SGD(model.trainableParameters(), { learningRate: 0.1 });
    const accumulating = new Trainer({
      model,
      task: privateTask,
      optimizer,
      gradientTransforms: [privacy.gradientTransform],
      gradientAccumulationSteps: 2,
    });
    await expect(accumulating.fit(loader, { maxSteps: 1 })).rejects.toThrow(/E_DP_PENDING_BATCH/);
    const unwrapped = new Trainer({ model, task, optimizer, gradientTransforms: [privacy.gradientTransform] });
    await expect(unwrapped.fit(loader, { maxSteps: 1 })).rejects.toThrow(/E_DP_NOT_RECORDED/);
    privacy.detach();

    class TiedHead extends Module<[tf.Tensor], tf.Tensor> {
      readonly embed = this.registerModule('embed', new Linear(4, 3));
      forward(x: tf.Tensor) {
        // The weight is also used directly, as a tied output projection would.
        return tf.matMul(this.embed.forward(x), tf.transpose(this.embed.weight));
      }
    }
    const tied = new TiedHead();
    const tiedPrivacy = new DifferentiallyPrivateSGD(tied, {
      noiseMultiplier: 1,
      maxGradientNorm: 1,
      expectedBatchSize: 4,
      samplingRate: 0.1,
    });
    const batch = { features: tf.randomNormal([4, 4], 0, 1, 'float32', 1), labels: tf.tensor1d([0, 1, 2, 3], 'int32') };
    expect(() => privateStep(tiedPrivacy, tied, batch)).toThrow(/E_DP_UNTRACKED_PARAMETER: .*embed.weight/);
    tf.dispose([batch.features, batch.labels]);
    tiedPrivacy.detach();
  });

  it('a run resumed from a checkpoint keeps counting privacy from where it stopped', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tessera-dp-'));
    const dataset = tabularData(300, 5);
    const run = async (resume: boolean) => {
      setGlobalSeed(9);
      const model = new Mlp();
      const {
        task: privateTask,
        loader,
        privacy,
        callbacks,
      } = makePrivate({
        model,
        task,
        dataset,
        expectedBatchSize: 30,
        noiseMultiplier: 1,
        maxGradientNorm: 1,
        seed: 3,
      });
      const trainer = new Trainer({
        model,
        task: privateTask,
        optimizer: new SGD(model.trainableParameters(), { learningRate: 0.1 }),
        gradientTransforms: [privacy.gradientTransform],
        callbacks,
      });
      await trainer.fit(loader, resume ? { epochs: 2, resumeFrom: directory } : { maxSteps: 7 });
      if (!resume) await trainer.saveCheckpoint(directory);
      privacy.detach();
      return { steps: privacy.accountant.steps, epsilon: privacy.getEpsilon(1e-5), weights: model.stateDict() };
    };
    const first = await run(false);
    expect(first.steps).toBe(7);
    const resumed = await run(true);
    expect(resumed.steps).toBe(20); // 2 epochs of 10 steps in all, not 13 counted from zero
    expect(resumed.epsilon).toBeCloseTo(
      computeEpsilon({ samplingRate: 0.1, noiseMultiplier: 1, steps: 20, delta: 1e-5 }).epsilon,
      12,
    );
    rmSync(directory, { recursive: true, force: true });
  });

  it('makePrivate computes σ for a target ε over the planned epochs', () => {
    const model = new Mlp();
    const { noiseMultiplier, loader, privacy } = makePrivate({
      model,
      task,
      dataset: tabularData(1000, 4),
      expectedBatchSize: 50,
      maxGradientNorm: 1,
      targetEpsilon: 2,
      targetDelta: 1e-5,
      epochs: 5,
    });
    const spent = computeEpsilon({ samplingRate: 0.05, noiseMultiplier, steps: 5 * loader.length, delta: 1e-5 });
    expect(spent.epsilon).toBeLessThanOrEqual(2);
    expect(spent.epsilon).toBeGreaterThan(2 - 0.01);
    expect(privacy.noise.source).toBe('secure');
    privacy.detach();
    expect(() =>
      makePrivate({ model, task, dataset: tabularData(10, 1), expectedBatchSize: 5, maxGradientNorm: 1 }),
    ).toThrow(/E_DP_OPTION/);
  });
});
