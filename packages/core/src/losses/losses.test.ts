import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../backend/gradients.js';
import { initBackend } from '../backend/init-backend.js';
import { maximumError, torchReference } from '../fixtures/torch/torch-reference.js';
import { binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
import { crossEntropy } from './cross-entropy.js';
import { huberLoss, meanAbsoluteErrorLoss, meanSquaredErrorLoss } from './regression-losses.js';

const reference = torchReference.losses;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('losses against PyTorch 1.13', () => {
  it('cross-entropy: ignore index, label smoothing, class weights, every reduction — values and gradients', async () => {
    for (const testCase of reference.crossEntropy) {
      const options = {
        ignoreIndex: -100,
        labelSmoothing: testCase.options.labelSmoothing ?? 0,
        reduction: testCase.options.reduction ?? 'mean',
        ...(testCase.options.classWeights ? { classWeights: reference.classWeights } : {}),
      };
      const logits = tf.tensor3d(reference.logits);
      const targets = tf.tensor2d(reference.targets, undefined, 'int32');
      const loss = crossEntropy(logits, targets, options);
      expect(maximumError([await loss.array()].flat(), [testCase.loss].flat()), JSON.stringify(options)).toBeLessThan(
        1e-5,
      );
      const gradient = tf.grad((input: tf.Tensor) => tf.sum(crossEntropy(input, targets, options)))(logits);
      expect(maximumError(await gradient.array(), testCase.gradient), JSON.stringify(options)).toBeLessThan(1e-5);
    }
  });

  it('binary cross-entropy with logits, with and without positive weights', async () => {
    const logits = tf.tensor2d(reference.binaryLogits);
    const targets = tf.tensor2d(reference.binaryTargets);
    expect(
      maximumError([await binaryCrossEntropyWithLogits(logits, targets).data()], [reference.binaryCrossEntropy]),
    ).toBeLessThan(1e-6);
    const weighted = binaryCrossEntropyWithLogits(logits, targets, { positiveWeight: tf.tensor1d([2, 0.5]) });
    expect(maximumError([await weighted.data()], [reference.binaryCrossEntropyPositiveWeight])).toBeLessThan(1e-6);
    // Stable for large logits where log(σ(x)) underflows.
    const extreme = binaryCrossEntropyWithLogits(tf.tensor1d([200, -200]), tf.tensor1d([0, 1]), { reduction: 'none' });
    expect(Array.from(await extreme.data())).toEqual([200, 200]);
  });

  it('MSE, MAE and Huber', async () => {
    const predictions = tf.tensor1d(reference.predictions);
    const targets = tf.tensor1d(reference.regressionTargets);
    expect(
      Math.abs((await meanSquaredErrorLoss(predictions, targets).data())[0] as number) - reference.meanSquaredError,
    ).toBeLessThan(1e-6);
    expect(
      Math.abs((await meanAbsoluteErrorLoss(predictions, targets).data())[0] as number) - reference.meanAbsoluteError,
    ).toBeLessThan(1e-6);
    expect(Math.abs(((await huberLoss(predictions, targets, 0.7).data())[0] as number) - reference.huber)).toBeLessThan(
      1e-6,
    );
  });

  it('bad input is a clear error', () => {
    expect(() => crossEntropy(tf.zeros([2, 3]), tf.tensor1d([0, 1]))).toThrow(/E_LOSS_TARGETS/);
    expect(() => crossEntropy(tf.zeros([2, 3]), tf.tensor1d([0, 1, 2], 'int32'))).toThrow(/E_LOSS_SHAPE/);
    expect(() => meanSquaredErrorLoss(tf.zeros([2]), tf.zeros([3]))).toThrow(/E_LOSS_SHAPE/);
  });
});
