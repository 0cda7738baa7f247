import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import './gradients.js';
import { seededRandom } from '../random/seeded-random.js';
import { initBackend } from './init-backend.js';

/**
 * Training needs the kernels the adapter fills on wasm: gather's gradient (UnsortedSegmentSum)
 * for embeddings and Conv2DBackpropFilter for convolutions. These train small models end to end
 * and check the loss falls and no tensor leaks from a step.
 */

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(info.name).toBe('wasm');
});

function train(
  variables: tf.Variable[],
  loss: () => tf.Scalar,
  steps: number,
  learningRate: number,
): { losses: number[]; tensorsPerStep: number[] } {
  const optimizer = tf.train.adam(learningRate);
  const losses: number[] = [];
  const tensorsPerStep: number[] = [];
  for (let step = 0; step < steps; step++) {
    const value = optimizer.minimize(loss, true, variables) as tf.Scalar;
    losses.push(value.dataSync()[0] as number);
    value.dispose();
    tensorsPerStep.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  return { losses, tensorsPerStep };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('training on the wasm backend', () => {
  it('an embedding lookup learns token classes (loss decreases, memory flat)', () => {
    const random = seededRandom(3);
    const vocabulary = 40;
    const classes = 4;
    const tokens = Int32Array.from({ length: 256 }, () => Math.floor(random() * vocabulary));
    const labels = Int32Array.from(tokens, (token) => token % classes);
    const embedding = tf.variable(tf.randomNormal([vocabulary, 16], 0, 0.1, 'float32', 1));
    const projection = tf.variable(tf.randomNormal([16, classes], 0, 0.1, 'float32', 2));
    const tokenTensor = tf.tensor1d(tokens, 'int32');
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(targets, tf.matMul(tf.gather(embedding, tokenTensor), projection)) as tf.Scalar;

    const { losses, tensorsPerStep } = train([embedding, projection], loss, 60, 0.05);
    expect(mean(losses.slice(-5))).toBeLessThan(0.2 * mean(losses.slice(0, 5)));
    // After the optimizer's state exists (step 1), every step leaves the tensor count unchanged.
    expect(new Set(tensorsPerStep.slice(1)).size).toBe(1);
    tf.dispose([embedding, projection, tokenTensor, targets]);
  });

  it('a conv2d layer learns to tell horizontal from vertical lines (loss decreases, memory flat)', () => {
    const random = seededRandom(4);
    const count = 64;
    const size = 8;
    const images = new Float32Array(count * size * size);
    const labels = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const vertical = random() < 0.5;
      const line = 1 + Math.floor(random() * (size - 2));
      labels[i] = vertical ? 1 : 0;
      for (let k = 0; k < size; k++) {
        const [row, column] = vertical ? [k, line] : [line, k];
        images[i * size * size + row * size + column] = 1;
      }
      for (let p = 0; p < size * size; p++)
        images[i * size * size + p] = (images[i * size * size + p] as number) + 0.1 * (random() - 0.5);
    }
    const x = tf.tensor4d(images, [count, size, size, 1]);
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const filters = tf.variable(tf.randomNormal([3, 3, 1, 8], 0, 0.3, 'float32', 5)) as tf.Variable<tf.Rank.R4>;
    const bias = tf.variable(tf.zeros([8]));
    const head = tf.variable(tf.randomNormal([8, 2], 0, 0.3, 'float32', 6));
    const loss = () => {
      const features = tf.relu(tf.add(tf.conv2d(x, filters, 1, 'same'), bias)); // [batch, 8, 8, 8]
      const pooled = tf.max(features, [1, 2]); // [batch, 8]
      return tf.losses.softmaxCrossEntropy(targets, tf.matMul(pooled, head)) as tf.Scalar;
    };
    const { losses, tensorsPerStep } = train([filters, bias, head], loss, 60, 0.05);
    expect(mean(losses.slice(-5))).toBeLessThan(0.3 * mean(losses.slice(0, 5)));
    expect(new Set(tensorsPerStep.slice(1)).size).toBe(1);
    tf.dispose([x, targets, filters, bias, head]);
  });

  it('causal self-attention trains on wasm (the speed overrides) along the same loss trajectory as on cpu', async () => {
    // Exercises every speed override in a training loop: batched and transposed BatchMatMul
    // (scores, weighted values and their gradients), Slice of the fused projection, Identity.
    const [batch, time, embedding, heads] = [2, 32, 32, 2]; // 16,384 multiply-adds per head product
    const headSize = embedding / heads;
    const random = seededRandom(5);
    const values = (count: number, scale: number) =>
      Float32Array.from({ length: count }, () => scale * (random() - 0.5));
    const inputs = values(batch * time * embedding, 2);
    const targets = values(batch * time * embedding, 2);
    const projection = values(embedding * 3 * embedding, 0.4);
    const mask = Float32Array.from({ length: time * time }, (_, i) => (i % time > Math.floor(i / time) ? -1e9 : 0));
    const trajectory = async (backendName: string) => {
      await tf.setBackend(backendName);
      const weight = tf.variable(tf.tensor2d(projection, [embedding, 3 * embedding]));
      const [x, y, causal] = [
        tf.tensor3d(inputs, [batch, time, embedding]),
        tf.tensor3d(targets, [batch, time, embedding]),
        tf.tensor4d(mask, [1, 1, time, time]),
      ];
      const headsOf = (projected: tf.Tensor, offset: number) =>
        tf.transpose(
          tf.reshape(tf.slice(projected, [0, 0, offset * embedding], [batch, time, embedding]), [
            batch,
            time,
            heads,
            headSize,
          ]),
          [0, 2, 1, 3],
        ); // [batch, heads, time, headSize]
      const loss = () => {
        const projected = tf.reshape(tf.matMul(tf.reshape(x, [-1, embedding]), weight), [batch, time, 3 * embedding]);
        const scores = tf.add(tf.div(tf.matMul(headsOf(projected, 0), headsOf(projected, 1), false, true), 4), causal);
        const attended = tf.matMul(tf.softmax(scores), headsOf(projected, 2)); // [batch, heads, time, headSize]
        const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, time, embedding]);
        return tf.mean(tf.square(tf.sub(tf.add(x, merged), y))) as tf.Scalar;
      };
      const optimizer = tf.train.sgd(2);
      const losses: number[] = [];
      const tensorsPerStep: number[] = [];
      for (let step = 0; step < 8; step++) {
        const value = optimizer.minimize(loss, true, [weight]) as tf.Scalar;
        losses.push(value.dataSync()[0] as number);
        value.dispose();
        tensorsPerStep.push(tf.memory().numTensors);
      }
      optimizer.dispose();
      tf.dispose([weight, x, y, causal]);
      return { losses, tensorsPerStep };
    };
    const reference = await trajectory('cpu');
    const actual = await trajectory('wasm');
    for (const [step, expected] of reference.losses.entries()) {
      expect(Math.abs((actual.losses[step] as number) - expected) / expected).toBeLessThan(1e-4);
    }
    expect(actual.losses.at(-1)).toBeLessThan(0.99 * (actual.losses[0] as number)); // it learns
    expect(new Set(actual.tensorsPerStep).size).toBe(1);
  });

  it('a gradient step through every filled kernel leaves tf.memory().numTensors unchanged', () => {
    const table = tf.randomNormal([10, 4]);
    const image = tf.randomNormal([2, 6, 6, 4]);
    const filter = tf.randomNormal([3, 3, 4, 2]);
    const depthwiseFilter = tf.randomNormal([3, 3, 4, 2]);
    const ids = tf.tensor1d([1, 3, 3, 9], 'int32');
    const step = () =>
      tf.tidy(() =>
        tf
          .grads((t: tf.Tensor, x: tf.Tensor, w: tf.Tensor, d: tf.Tensor) =>
            tf.addN([
              tf.sum(tf.gather(t, ids)),
              tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')),
              tf.sum(tf.depthwiseConv2d(x as tf.Tensor4D, d as tf.Tensor4D, 1, 'valid')),
            ]),
          )([table, image, filter, depthwiseFilter])
          .map((gradient) => gradient.dataSync()),
      );
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([table, image, filter, depthwiseFilter, ids]);
  });
});
