import { Adam, createRandomGenerator, initBackend, SGD, tf } from '@tessera/core';
import { Trainer } from '@tessera/trainers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImageLoader } from '../data/image-loader.js';
import { SmallConvNet } from '../models/small-convnet.js';
import { imageClassificationTask } from '../tasks/image-classification-task.js';
import { barImages } from '../testing/bar-images.js';
import {
  extractFeatures,
  fineTuningParameterGroups,
  freezeBackbone,
  frozenBatchNormInference,
  replaceHead,
  topBlockPatterns,
  unfreezeTopBlocks,
} from './transfer-learning.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const snapshot = async (entries: Array<[string, tf.Tensor]>) =>
  Object.fromEntries(
    await Promise.all(entries.map(async ([name, tensor]) => [name, Array.from(await tensor.data())] as const)),
  );

const build = () =>
  new SmallConvNet({
    inputShape: [12, 12, 1],
    convolutionChannels: [8, 16],
    batchNorm: true,
    dropout: 0,
    random: createRandomGenerator(4),
  });

describe('transfer learning', () => {
  it('replaces the head, trains it with the backbone frozen (weights and BN statistics unchanged)', async () => {
    const model = build();
    const oldHead = model.head;
    const head = replaceHead(model, 3, { random: createRandomGenerator(5) });
    expect(model.head).toBe(head);
    expect(model.head).not.toBe(oldHead);
    expect(model.namedParameters().find(([name]) => name === 'head.weight')?.[1].shape).toEqual([16, 3]);
    const frozen = freezeBackbone(model);
    expect(frozen.every((name) => name.startsWith('backbone.'))).toBe(true);
    expect(model.trainableParameters().map(([name]) => name)).toEqual(['head.weight', 'head.bias']);

    const before = await snapshot(Object.entries(model.stateDict()));
    const trainer = new Trainer({
      model,
      task: imageClassificationTask(),
      optimizer: new Adam(model.namedParameters(), { learningRate: 0.01 }),
      callbacks: [frozenBatchNormInference()],
    });
    await trainer.fit(createImageLoader(barImages(48, 1, 3), { batchSize: 16, shuffle: true, seed: 1 }), { epochs: 2 });
    const after = await snapshot(Object.entries(model.stateDict()));
    for (const name of Object.keys(before)) {
      if (name.startsWith('head.')) expect(after[name], name).not.toEqual(before[name]);
      else expect(after[name], name).toEqual(before[name]); // weights and running statistics alike
    }
    model.dispose();
  });

  it('unfreezes the top blocks and trains them at a lower learning rate than the head', async () => {
    const model = build();
    freezeBackbone(model);
    expect(topBlockPatterns(model, 2)).toEqual(['backbone.1', 'backbone.0']); // backbone.2 (flatten, dropout) has no parameters
    expect(() => topBlockPatterns(model, 3)).toThrow(/E_TRANSFER_BLOCKS/);
    const unfrozen = unfreezeTopBlocks(model, 1);
    expect(unfrozen.length).toBeGreaterThan(0);
    expect(unfrozen.every((name) => name.startsWith('backbone.1.'))).toBe(true);

    const groups = fineTuningParameterGroups(model, { backboneLearningRate: 0.001 });
    const optimizer = new SGD(groups, { learningRate: 0.1 });
    expect(optimizer.learningRates).toEqual([0.001, 0.1]); // backbone group, then the head
    const before = await snapshot(model.namedParameters());
    const trainer = new Trainer({ model, task: imageClassificationTask(), optimizer });
    await trainer.fit(createImageLoader(barImages(32, 2), { batchSize: 16 }), { maxSteps: 1 });
    const after = await snapshot(model.namedParameters());
    const change = (name: string) =>
      Math.max(
        ...(after[name] as number[]).map((value, index) => Math.abs(value - (before[name] as number[])[index]!)),
      );
    expect(change('backbone.0.0.weight')).toBe(0); // still frozen
    expect(change('backbone.1.0.weight')).toBeGreaterThan(0);
    expect(change('head.weight')).toBeGreaterThan(0);
    model.dispose();
  });

  it('extracts backbone features in eval mode without leaking tensors', async () => {
    const model = build();
    const loader = createImageLoader(barImages(20, 3), { batchSize: 8 });
    await extractFeatures(model, loader);
    const tensors = tf.memory().numTensors;
    const { features, labels, count, featureSize } = await extractFeatures(model, loader);
    expect(tf.memory().numTensors).toBe(tensors);
    expect([count, featureSize, features.length, labels.length]).toEqual([20, 16, 320, 20]);
    expect(model.training).toBe(true); // restored
    model.dispose();
  });
});
