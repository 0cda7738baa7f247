import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { accuracy, topKAccuracy } from './accuracy.js';
import { expectClose, expectMetricError, reference, streamInBatches } from './fixtures/reference.js';

const { binary, multiclass } = reference;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('accuracy', () => {
  it('matches sklearn on binary scores thresholded at 0.5 and on the thresholded labels', () => {
    const { scores, predictions, targets, threshold } = binary.inputs;
    expectClose(accuracy(scores, targets, { threshold }), binary.accuracy);
    expectClose(accuracy(predictions, targets), binary.accuracy);
  });

  it('matches sklearn on multi-class scores (argmax, first maximum on ties) and on class indices', () => {
    const { scores, predictions, targets } = multiclass.inputs;
    expectClose(accuracy(scores, targets), multiclass.accuracy);
    expectClose(accuracy(predictions, targets), multiclass.accuracy);
  });

  it('reads tensors and one-hot targets the same as arrays', () => {
    const { scores, targets } = multiclass.inputs;
    const scoreTensor = tf.tensor2d(scores);
    const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), 4);
    expect(accuracy(scoreTensor, oneHot)).toBe(accuracy(scores, targets));
    expect(accuracy(scoreTensor, Int32Array.from(targets))).toBe(accuracy(scores, targets));
    tf.dispose([scoreTensor, oneHot]);
  });

  it('streams across uneven batches to exactly the full-data value, and resets', () => {
    const { scores, targets } = multiclass.inputs;
    const metric = accuracy.create();
    expect(streamInBatches(metric, scores, targets)).toBe(accuracy(scores, targets));
    metric.reset();
    metric.update([1, 2], [1, 0]);
    expect(metric.compute()).toBe(0.5);
    expect(metric.name).toBe('accuracy');
    expect(accuracy.create({ name: 'validationAccuracy' }).name).toBe('validationAccuracy');
  });

  it('keeps tf.memory().numTensors flat across updates', () => {
    const metric = accuracy.create();
    const scores = tf.tensor2d(multiclass.inputs.scores);
    const targets = tf.tensor1d(multiclass.inputs.targets, 'int32');
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(scores, targets);
    metric.compute();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([scores, targets]);
  });

  it('rejects bad input with a specific code and leaves the state unchanged', () => {
    const metric = accuracy.create();
    metric.update([0, 1], [0, 0]);
    expectMetricError(() => metric.update([0, 1, 1], [0, 1]), 'E_METRIC_INPUT_LENGTH', /3 samples but targets have 2/);
    expectMetricError(
      () => metric.update([0, Number.NaN], [0, 1]),
      'E_METRIC_INPUT_NOT_FINITE',
      /predictions\[1\] is NaN/,
    );
    expectMetricError(
      () => metric.update([0.2, 0.9], [0, 1]),
      'E_METRIC_INPUT_LABEL',
      /predictions\[0\] is 0.2.*threshold/,
    );
    expectMetricError(() => metric.update([0, 1], [0, -1]), 'E_METRIC_INPUT_LABEL', /targets\[1\] is -1/);
    expectMetricError(() => metric.update([[0, 1], [1]], [0, 1]), 'E_METRIC_INPUT_SHAPE', /ragged/);
    expectMetricError(() => metric.update([[[0]]], [0]), 'E_METRIC_INPUT_SHAPE', /\[1, 1, 1\]/);
    expectMetricError(() => metric.update(['a'] as unknown as number[], [0]), 'E_METRIC_INPUT_DTYPE');
    expect(metric.compute()).toBe(0.5);
    expectMetricError(() => accuracy.create().compute(), 'E_METRIC_UNDEFINED', /before any samples/);
    expectMetricError(() => accuracy.create({ threshold: Number.NaN }), 'E_METRIC_OPTION');
    const disposed = tf.tensor1d([0, 1]);
    disposed.dispose();
    expectMetricError(() => accuracy(disposed, [0, 1]), 'E_METRIC_INPUT_DISPOSED');
  });
});

describe('topKAccuracy', () => {
  it('matches sklearn for k = 1 … 4', () => {
    const { scores, targets } = multiclass.inputs;
    for (const [k, expected] of Object.entries(multiclass.topK)) {
      expectClose(topKAccuracy(scores, targets, { k: Number(k) }), expected, `k=${k}`);
    }
  });

  it('breaks ties in scores as sklearn does (higher class index first)', () => {
    const { scores, targets, topK } = multiclass.topKTies;
    for (const [k, expected] of Object.entries(topK)) {
      const score = tf.tidy(() => topKAccuracy(tf.tensor2d(scores), targets, { k: Number(k) }));
      expectClose(score, expected, `k=${k}`);
    }
    // Row [0.5, 0.5] with target 0: class 1 ranks first on the tie, so top-1 misses.
    expect(topKAccuracy([[0.5, 0.5]], [0], { k: 1 })).toBe(0);
    expect(topKAccuracy([[0.5, 0.5]], [1], { k: 1 })).toBe(1);
  });

  it('streams across uneven batches to exactly the full-data value', () => {
    const { scores, targets } = multiclass.inputs;
    const metric = topKAccuracy.create({ k: 2 });
    expect(metric.name).toBe('top2Accuracy');
    expect(streamInBatches(metric, scores, targets)).toBe(topKAccuracy(scores, targets, { k: 2 }));
  });

  it('rejects k larger than the classes, bad k, 1-D scores and out-of-range targets', () => {
    const scores = [
      [0.1, 0.9],
      [0.8, 0.2],
    ];
    expectMetricError(
      () => topKAccuracy(scores, [1, 0], { k: 3 }),
      'E_METRIC_INPUT_TOP_K',
      /k = 3 is larger than the number of classes \(2/,
    );
    expectMetricError(() => topKAccuracy.create({ k: 0 }), 'E_METRIC_OPTION', /positive integer/);
    expectMetricError(() => topKAccuracy.create({ k: 1.5 }), 'E_METRIC_OPTION');
    expectMetricError(() => topKAccuracy([0.1, 0.9], [1, 0], { k: 1 }), 'E_METRIC_INPUT_SHAPE', /\[batch, classes\]/);
    expectMetricError(() => topKAccuracy(scores, [2, 0], { k: 1 }), 'E_METRIC_INPUT_LABEL', /only 2 score columns/);
    expectMetricError(() => topKAccuracy(scores, [1], { k: 1 }), 'E_METRIC_INPUT_LENGTH');
    expectMetricError(
      () => topKAccuracy([[Number.POSITIVE_INFINITY, 0]], [1], { k: 1 }),
      'E_METRIC_INPUT_NOT_FINITE',
      /predictions\[0\]\[0\] is Infinity/,
    );
  });
});
