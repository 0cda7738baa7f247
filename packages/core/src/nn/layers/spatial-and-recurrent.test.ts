import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../backend/gradients.js';
import { initBackend } from '../../backend/init-backend.js';
import { maximumError, torchReference } from '../../fixtures/torch/torch-reference.js';
import { BatchNorm } from './batch-norm.js';
import { Conv2d } from './convolution.js';
import { AvgPool2d, GlobalAveragePooling2d, MaxPool2d } from './pooling.js';
import { GRU, LSTM } from './recurrent.js';

const reference = torchReference.spatial;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('Conv2d against torch.nn.functional.conv2d', () => {
  it('stride, asymmetric kernels and padding, dilation, groups and depthwise: outputs and gradients', async () => {
    for (const testCase of reference.convolutions) {
      const { outChannels, kernel, stride, padding, dilation, groups } = testCase.options;
      const conv = new Conv2d(4, outChannels, kernel, { stride, padding, dilation, groups });
      // torch [out, in/groups, FH, FW] → Tessera [FH, FW, in/groups, out]
      conv.loadStateDict({
        weight: tf.transpose(tf.tensor4d(testCase.weightOutInHW), [2, 3, 1, 0]),
        bias: tf.tensor1d(testCase.bias),
      });
      const images = tf.tensor4d(reference.images);
      const label = JSON.stringify(testCase.options);
      expect(maximumError(await conv.forward(images).array(), testCase.output), label).toBeLessThan(1e-5);
      const [inputGradient, weightGradient] = tf.grads((x: tf.Tensor, w: tf.Tensor) => {
        void w; // the layer reads its own weight variable, which is `w`
        return tf.sum(tf.square(conv.forward(x)));
      })([images, conv.weight]);
      expect(maximumError(await inputGradient?.array(), testCase.inputGradient), label).toBeLessThan(1e-4);
      const torchLayout = tf.transpose(weightGradient as tf.Tensor4D, [3, 2, 0, 1]);
      expect(maximumError(await torchLayout.array(), testCase.weightGradientOutInHW), label).toBeLessThan(1e-4);
      conv.dispose();
    }
  });

  it('rejects group counts that do not divide the channels and non-NHWC input', () => {
    expect(() => new Conv2d(4, 6, 3, { groups: 4 })).toThrow(/E_LAYER_CONFIG/);
    expect(() => new Conv2d(4, 4, 3).forward(tf.zeros([1, 4, 8, 8]))).toThrow(/E_LAYER_INPUT.*NHWC/);
  });
});

describe('pooling against torch', () => {
  it('MaxPool2d pads with −∞ and AvgPool2d counts zero padding, as PyTorch', async () => {
    const images = tf.tensor4d(reference.images);
    expect(
      maximumError(await new MaxPool2d(3, { stride: 2, padding: 1 }).forward(images).array(), reference.maxPool),
    ).toBeLessThan(1e-6);
    const average = new AvgPool2d([3, 2], { stride: [2, 1], padding: [1, 1] }).forward(images);
    expect(maximumError(await average.array(), reference.avgPool)).toBeLessThan(1e-6);
    expect(new GlobalAveragePooling2d().forward(images).shape).toEqual([2, 4]);
  });
});

describe('BatchNorm against torch.nn.BatchNorm2d', () => {
  it('uses batch statistics in training, running statistics in eval, and updates them as PyTorch', async () => {
    const { input, weight, bias, momentum } = reference.batchNorm;
    const norm = new BatchNorm(5, { momentum });
    norm.loadStateDict({
      weight: tf.tensor1d(weight),
      bias: tf.tensor1d(bias),
      running_mean: tf.zeros([5]),
      running_var: tf.ones([5]),
    });
    const x = tf.tensor4d(input);
    expect(maximumError(await norm.forward(x).array(), reference.batchNorm.trainOutput)).toBeLessThan(1e-5);
    expect(maximumError(await norm.forward(tf.mul(x, 0.5)).array(), reference.batchNorm.trainOutputHalf)).toBeLessThan(
      1e-5,
    );
    expect(maximumError(await norm.runningMean.array(), reference.batchNorm.runningMean)).toBeLessThan(1e-5);
    expect(maximumError(await norm.runningVariance.array(), reference.batchNorm.runningVariance)).toBeLessThan(1e-5);
    norm.eval();
    const before = await norm.runningMean.data();
    expect(maximumError(await norm.forward(x).array(), reference.batchNorm.evalOutput)).toBeLessThan(1e-5);
    expect(await norm.runningMean.data()).toEqual(before);
    expect(Object.keys(norm.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
  });

  it('a training step updates the running statistics without leaking tensors', () => {
    const norm = new BatchNorm(3);
    const x = tf.randomNormal([8, 3]);
    const step = () => {
      tf.tidy(() => {
        tf.grads((input: tf.Tensor) => tf.sum(norm.forward(input)))([x]);
      });
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('LSTM and GRU against torch.nn', () => {
  it('LSTM: every step output and the final state', async () => {
    const { output, hidden, cell, ...weights } = reference.lstm;
    const lstm = new LSTM(4, 5);
    lstm.loadStateDict({
      inputWeight: tf.tensor2d(weights.inputWeight),
      hiddenWeight: tf.tensor2d(weights.hiddenWeight),
      inputBias: tf.tensor1d(weights.inputBias),
      hiddenBias: tf.tensor1d(weights.hiddenBias),
    });
    const result = lstm.run(tf.tensor3d(reference.sequence));
    expect(maximumError(await result.output.array(), output)).toBeLessThan(1e-5);
    expect(maximumError(await result.state.hidden.array(), hidden)).toBeLessThan(1e-5);
    expect(maximumError(await result.state.cell?.array(), cell)).toBeLessThan(1e-5);
  });

  it('GRU: every step output, and the last state alone with returnSequences false', async () => {
    const { output, hidden, ...weights } = reference.gru;
    const gru = new GRU(4, 5, { returnSequences: false });
    gru.loadStateDict({
      inputWeight: tf.tensor2d(weights.inputWeight),
      hiddenWeight: tf.tensor2d(weights.hiddenWeight),
      inputBias: tf.tensor1d(weights.inputBias),
      hiddenBias: tf.tensor1d(weights.hiddenBias),
    });
    const last = gru.forward(tf.tensor3d(reference.sequence));
    expect(maximumError(await last.array(), hidden)).toBeLessThan(1e-5);
    expect(maximumError(await gru.run(tf.tensor3d(reference.sequence)).state.hidden.array(), hidden)).toBeLessThan(
      1e-5,
    );
    expect(output).toHaveLength(3);
  });
});
