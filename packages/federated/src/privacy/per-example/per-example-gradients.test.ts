import {
  BatchNorm,
  Conv2d,
  type Conv2dOptions,
  classificationTask,
  computeGradients,
  GRU,
  initBackend,
  Linear,
  Module,
  tf,
} from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { materialize, type PerExampleContribution, squaredNorms, weightedSum } from './contributions.js';
import { perExampleGradients } from './per-example-gradients.js';
import { type ReferenceCase, referenceCase } from './test-models.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const task = classificationTask();
type Child = Module<never[], unknown>;
const cases: ReferenceCase[] = ['sequenceMlp', 'smallCnn', 'singleChannelCnn', 'embeddingModel'];

/** max |actual − expected| over max(1, max |expected|). */
function relativeError(actual: tf.Tensor, expected: unknown): number {
  const a = actual.dataSync();
  const b = (expected as number[]).flat(Number.POSITIVE_INFINITY) as number[];
  expect(a.length).toBe(b.length);
  let difference = 0;
  let scale = 1;
  b.forEach((value, index) => {
    difference = Math.max(difference, Math.abs((a[index] as number) - value));
    scale = Math.max(scale, Math.abs(value));
  });
  return difference / scale;
}

describe('per-example gradients from one backward pass', () => {
  it.each(cases)('%s: equal PyTorch’s per-example gradients (one backward pass per example, float64)', (name) => {
    const { model, reference, batch } = referenceCase(name);
    const { loss, gradients } = perExampleGradients(model, () => task.forward(model, batch, { training: true }).loss);
    expect(loss.dataSync()[0]).toBeCloseTo(reference.loss, 5);
    expect(Object.keys(gradients).sort()).toEqual(Object.keys(reference.perExample).sort());
    for (const [parameter, expected] of Object.entries(reference.perExample)) {
      const gradient = gradients[parameter] as tf.Tensor;
      expect(gradient.shape).toEqual([reference.labels.length, ...(model.stateDict()[parameter] as tf.Tensor).shape]);
      expect(relativeError(gradient, expected), parameter).toBeLessThan(1e-5);
    }
    tf.dispose([loss, ...Object.values(gradients), batch.features, batch.labels]);
    model.dispose();
  });

  it.each(cases)('%s: equal the naive loop, one backward pass per example, in Tessera', (name) => {
    const { model, batch } = referenceCase(name);
    const before = tf.memory().numTensors;
    const { loss, gradients } = perExampleGradients(model, () => task.forward(model, batch, { training: true }).loss);
    expect(tf.memory().numTensors - before).toBe(1 + Object.keys(gradients).length); // nothing else left behind
    const batchSize = batch.labels.shape[0] as number;
    for (let example = 0; example < batchSize; example++) {
      const single = {
        features: tf.slice(batch.features, example, 1),
        labels: tf.slice(batch.labels, example, 1),
      };
      const naive = computeGradients(
        model.trainableParameters(),
        () => task.forward(model, single, { training: true }).loss,
      );
      for (const [parameter, gradient] of Object.entries(naive.gradients)) {
        const mine = tf.squeeze(tf.slice(gradients[parameter] as tf.Tensor, example, 1), [0]);
        expect(relativeError(mine, gradient.arraySync()), `${parameter}[${example}]`).toBeLessThan(1e-5);
        mine.dispose();
      }
      tf.dispose([naive.loss, ...Object.values(naive.gradients), single.features, single.labels]);
    }
    tf.dispose([loss, ...Object.values(gradients), batch.features, batch.labels]);
    model.dispose();
  });

  it.each([
    [
      'one channel, stride and dilation both 2 (patches from a plain conv)',
      1,
      3,
      3,
      { stride: 2, dilation: 2, padding: 1 },
    ],
    ['three channels, dilation 2, same padding (depthwise patches)', 3, 4, [2, 3], { dilation: 2, padding: 'same' }],
    ['depthwise with multiplier 2, dilation 2 (direct filter gradients)', 4, 8, 3, { groups: 4, dilation: 2 }],
    [
      'one channel, asymmetric stride, explicit padding (direct)',
      1,
      2,
      [3, 2],
      { stride: [2, 1], padding: [1, 0, 2, 1] },
    ],
  ] as Array<[string, number, number, number | [number, number], Conv2dOptions]>)(
    'Conv2d, %s: equal the naive loop',
    (_, inChannels, outChannels, kernel, options) => {
      class OneConv extends Module<[tf.Tensor], tf.Tensor> {
        readonly conv = this.registerModule(
          'conv',
          new Conv2d(inChannels, outChannels, kernel, options) as unknown as Child,
        );
        forward(x: tf.Tensor) {
          return tf.sum(tf.square((this.conv as unknown as Linear).forward(x)), [1, 2, 3]);
        }
      }
      const model = new OneConv();
      const x = tf.randomNormal([3, 9, 8, inChannels], 0, 1, 'float32', inChannels);
      const result = perExampleGradients(model, () => tf.mean(model.forward(x)) as tf.Scalar);
      for (let example = 0; example < 3; example++) {
        const single = tf.slice(x, example, 1);
        const naive = computeGradients(model.trainableParameters(), () => tf.sum(model.forward(single)) as tf.Scalar);
        for (const [name, gradient] of Object.entries(naive.gradients)) {
          const mine = tf.squeeze(tf.slice(result.gradients[name] as tf.Tensor, example, 1), [0]);
          expect(relativeError(mine, gradient.arraySync()), `${name}[${example}]`).toBeLessThan(1e-5);
          mine.dispose();
        }
        tf.dispose([single, naive.loss, ...Object.values(naive.gradients)]);
      }
      tf.dispose([x, result.loss, ...Object.values(result.gradients)]);
      model.dispose();
    },
  );

  it("'sum' reduction: per-example gradients of a summed loss equal those of the mean", () => {
    const { model, batch } = referenceCase('sequenceMlp');
    const mean = perExampleGradients(model, () => task.forward(model, batch, { training: true }).loss);
    const sum = perExampleGradients(
      model,
      () => tf.mul(task.forward(model, batch, { training: true }).loss, batch.labels.shape[0] as number) as tf.Scalar,
      { lossReduction: 'sum' },
    );
    for (const name of Object.keys(mean.gradients)) {
      expect(
        relativeError(sum.gradients[name] as tf.Tensor, (mean.gradients[name] as tf.Tensor).arraySync()),
      ).toBeLessThan(1e-6);
    }
    tf.dispose([mean.loss, sum.loss, ...Object.values(mean.gradients), ...Object.values(sum.gradients)]);
    tf.dispose([batch.features, batch.labels]);
    model.dispose();
  });

  it('a layer called twice sums both calls per example; the model is restored after', () => {
    class Twice extends Module<[tf.Tensor], tf.Tensor> {
      readonly shared = this.registerModule('shared', new Linear(3, 3));
      forward(x: tf.Tensor) {
        return this.shared.forward(tf.tanh(this.shared.forward(x)));
      }
    }
    const model = new Twice();
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
    const loss = () => tf.mean(tf.sum(tf.square(model.forward(x)), 1)) as tf.Scalar;
    const result = perExampleGradients(model, loss);
    expect(Object.hasOwn(model.shared, 'forward')).toBe(false); // the wrapper is gone
    for (let example = 0; example < 4; example++) {
      const single = tf.slice(x, example, 1);
      const naive = computeGradients(
        model.trainableParameters(),
        () => tf.sum(tf.square(model.forward(single))) as tf.Scalar,
      );
      for (const [name, gradient] of Object.entries(naive.gradients)) {
        const mine = tf.squeeze(tf.slice(result.gradients[name] as tf.Tensor, example, 1), [0]);
        expect(relativeError(mine, gradient.arraySync())).toBeLessThan(1e-5);
      }
      tf.dispose([single, naive.loss, ...Object.values(naive.gradients)]);
    }
    tf.dispose([x, result.loss, ...Object.values(result.gradients)]);
  });

  it('frozen parameters are skipped; BatchNorm and layers without a rule are refused with what to do', () => {
    const { model, batch } = referenceCase('sequenceMlp');
    model.freeze('input');
    const { loss, gradients } = perExampleGradients(model, () => task.forward(model, batch, { training: true }).loss);
    expect(Object.keys(gradients).sort()).toEqual(['norm.bias', 'norm.weight', 'output.bias', 'output.weight']);
    tf.dispose([loss, ...Object.values(gradients), batch.features, batch.labels]);

    class WithBatchNorm extends Module<[tf.Tensor], tf.Tensor> {
      readonly linear = this.registerModule('linear', new Linear(3, 3));
      readonly norm = this.registerModule('norm', new BatchNorm(3) as unknown as Module<never[], unknown>);
      forward(x: tf.Tensor) {
        return this.linear.forward(x);
      }
    }
    expect(() => perExampleGradients(new WithBatchNorm(), () => tf.scalar(0))).toThrow(
      /E_DP_BATCH_NORM: norm \(BatchNorm\)/,
    );
    class WithGru extends Module<[tf.Tensor], tf.Tensor> {
      readonly recurrent = this.registerModule('recurrent', new GRU(3, 4) as unknown as Module<never[], unknown>);
      forward(x: tf.Tensor) {
        return x;
      }
    }
    expect(() => perExampleGradients(new WithGru(), () => tf.scalar(0))).toThrow(
      /E_DP_UNSUPPORTED_LAYER: .*recurrent \(GRU\).*freeze/,
    );
    new WithGru().freeze();
  });
});

describe('per-example norms and clipped sums without materialising', () => {
  it('the ghost-norm and materialised paths of an outer product agree with the explicit gradients', () => {
    // rows 1 (closed form), 2 (ghost: 2·2·(30+20) < 2·30·20) and 40 (materialised), 2 groups.
    const before = tf.memory().numTensors;
    for (const rows of [1, 2, 40])
      tf.tidy(() => {
        const activations = tf.randomNormal([2, 3, rows, 30], 0, 1, 'float32', rows) as tf.Tensor4D;
        const outputGradients = tf.randomNormal([2, 3, rows, 20], 0, 1, 'float32', rows + 1) as tf.Tensor4D;
        const contribution: PerExampleContribution = {
          kind: 'outerProduct',
          activations,
          outputGradients,
          parameterShape: [30, 40],
        };
        const explicit = materialize(contribution); // [3, 30, 40]
        const expectedNorms = tf.sum(tf.square(explicit), [1, 2]);
        expect(relativeError(squaredNorms(contribution), expectedNorms.arraySync())).toBeLessThan(1e-5);
        const coefficients = tf.tensor1d([0.5, -1, 2]);
        const expectedSum = tf.sum(tf.mul(explicit, tf.reshape(coefficients, [3, 1, 1])), 0);
        expect(relativeError(weightedSum(contribution, coefficients), expectedSum.arraySync())).toBeLessThan(1e-5);
        // Group g owns output columns [20g, 20g + 20) of example b's gradient: its own product.
        const groupOne = tf.matMul(
          tf.transpose(tf.reshape(tf.slice(activations, [1, 2, 0, 0], [1, 1, rows, 30]), [rows, 30])),
          tf.reshape(tf.slice(outputGradients, [1, 2, 0, 0], [1, 1, rows, 20]), [rows, 20]),
        );
        const explicitGroupOne = tf.slice(explicit, [2, 0, 20], [1, 30, 20]);
        expect(relativeError(explicitGroupOne, tf.reshape(groupOne, [1, 30, 20]).arraySync())).toBeLessThan(1e-5);
      });
    expect(tf.memory().numTensors).toBe(before);
  });
});
