import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { loadSafetensors, saveSafetensors } from '../checkpoint/safetensors-file.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import { relu } from '../nn/activations.js';
import { Linear } from '../nn/layers/linear.js';
import { Module } from '../nn/module.js';
import { createRandomGenerator } from '../random/random-generator.js';
import { computeGradients } from './gradients.js';
import { AdamW, weightDecayGroups } from './optimizers.js';

/**
 * A checkpoint is the model's state dict and the optimizer's tensors in safetensors files plus
 * the optimizer's config as JSON. Training resumed from one continues exactly as if it had
 * never stopped.
 */

class Network extends Module<[tf.Tensor], tf.Tensor> {
  readonly hidden = this.registerModule('hidden', new Linear(3, 8, { random: createRandomGenerator(1) }));
  readonly head = this.registerModule('head', new Linear(8, 2, { random: createRandomGenerator(2) }));
  forward(x: tf.Tensor) {
    return tf.tidy(() => this.head.forward(relu(this.hidden.forward(x))));
  }
}

let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-checkpoint-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('model and optimizer state through safetensors', () => {
  it('resuming from a checkpoint reproduces the uninterrupted run bit for bit', async () => {
    const x = tf.randomNormal([16, 3], 0, 1, 'float32', 5);
    const y = tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => i % 2),
      'int32',
    );
    const makeOptimizer = (model: Network) =>
      new AdamW(weightDecayGroups(model.trainableParameters(), 0.1), { learningRate: 0.05 });
    const step = (model: Network, optimizer: AdamW) =>
      tf.tidy(() => {
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(x), y) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss.dataSync()[0] as number;
      });

    const uninterrupted = new Network();
    const uninterruptedOptimizer = makeOptimizer(uninterrupted);
    const expectedLosses = Array.from({ length: 10 }, () => step(uninterrupted, uninterruptedOptimizer));

    const first = new Network();
    const firstOptimizer = makeOptimizer(first);
    const losses = Array.from({ length: 4 }, () => step(first, firstOptimizer));
    const state = firstOptimizer.stateDict();
    await saveSafetensors(join(directory, 'model.safetensors'), first.stateDict());
    await saveSafetensors(join(directory, 'optimizer.safetensors'), state.tensors);
    await writeFile(join(directory, 'optimizer.json'), JSON.stringify(state.config));
    first.dispose();
    firstOptimizer.dispose();

    const resumed = new Network();
    const model = await loadSafetensors(join(directory, 'model.safetensors'));
    resumed.loadStateDict(model.tensors);
    const resumedOptimizer = makeOptimizer(resumed);
    const optimizerTensors = await loadSafetensors(join(directory, 'optimizer.safetensors'));
    resumedOptimizer.loadStateDict({
      tensors: optimizerTensors.tensors,
      config: JSON.parse(await readFile(join(directory, 'optimizer.json'), 'utf8')),
    });
    tf.dispose([...Object.values(model.tensors), ...Object.values(optimizerTensors.tensors)]);
    for (let i = 4; i < 10; i++) losses.push(step(resumed, resumedOptimizer));

    expect(losses).toEqual(expectedLosses);
    for (const [name, value] of Object.entries(resumed.stateDict())) {
      expect(Array.from(await value.data()), name).toEqual(
        Array.from(await (uninterrupted.stateDict()[name] as tf.Tensor).data()),
      );
    }
  });
});
