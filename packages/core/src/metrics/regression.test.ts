import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { expectClose, expectMetricError, reference, streamInBatches } from './fixtures/reference.js';
import type { MetricFunction } from './metric.js';
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from './regression.js';

const { regression } = reference;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const METRICS = [
  ['meanSquaredError', meanSquaredError],
  ['rootMeanSquaredError', rootMeanSquaredError],
  ['meanAbsoluteError', meanAbsoluteError],
  ['r2', r2Score],
] as const satisfies readonly (readonly [string, MetricFunction])[];

describe('regression metrics against sklearn', () => {
  it('single output, from arrays, [batch] and [batch, 1] tensors', () => {
    const { predictions, targets } = regression.single.inputs;
    for (const [key, score] of METRICS) {
      expectClose(score(predictions, targets), regression.single[key], key);
      const value = tf.tidy(() => score(tf.tensor2d(predictions, [predictions.length, 1]), tf.tensor1d(targets)));
      expectClose(value, regression.single[key], `${key} tensor`);
    }
  });

  it('multi-output, uniformly averaged over outputs (RMSE is the mean of per-output RMSEs)', () => {
    const { predictions, targets } = regression.multiOutput.inputs;
    for (const [key, score] of METRICS) expectClose(score(predictions, targets), regression.multiOutput[key], key);
  });

  it('R² of constant targets: 0 for imperfect predictions, 1 for exact ones (force_finite)', () => {
    const { predictions, targets } = regression.constantTargets.inputs;
    expect(r2Score(predictions, targets)).toBe(regression.constantTargets.r2);
    expect(r2Score(targets, targets)).toBe(regression.constantTargets.r2Exact);
  });

  it('takes (predictions, targets): R² differs when the arguments are swapped', () => {
    const { predictions, targets } = regression.single.inputs;
    expect(Math.abs(r2Score(targets, predictions) - regression.single.r2)).toBeGreaterThan(1e-3);
  });
});

describe('streaming regression metrics', () => {
  it('equal the full-data values exactly over uneven batches', () => {
    for (const { inputs } of [regression.single, regression.multiOutput]) {
      const { predictions, targets } = inputs;
      for (const [key, score] of METRICS) {
        expect(streamInBatches(score.create(), predictions, targets), key).toBe(score(predictions, targets));
      }
    }
  });

  it('keeps tf.memory().numTensors flat, and resets', () => {
    const metric = r2Score.create();
    const predictions = tf.tensor2d(regression.multiOutput.inputs.predictions);
    const targets = tf.tensor2d(regression.multiOutput.inputs.targets);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(predictions, targets);
    expectClose(metric.compute(), regression.multiOutput.r2);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([predictions, targets]);
    metric.reset();
    metric.update([1, 2, 3], [1, 2, 3]);
    expect(metric.compute()).toBe(1);
    expect(metric.name).toBe('r2');
  });
});

describe('regression errors', () => {
  it('rejects mismatched lengths, outputs, shapes and non-finite values without changing the state', () => {
    const metric = meanSquaredError.create();
    metric.update([1, 2], [1, 4]);
    expectMetricError(() => metric.update([1, 2, 3], [1, 2]), 'E_METRIC_INPUT_LENGTH', /3 samples but targets have 2/);
    expectMetricError(
      () => metric.update([[1, 2]], [[1, 2, 3]]),
      'E_METRIC_INPUT_SHAPE',
      /2 outputs per sample but targets have 3/,
    );
    expectMetricError(() => metric.update([[1, 2]], [[1, 2]]), 'E_METRIC_INPUT_SHAPE', /earlier batches had 1/);
    expectMetricError(() => metric.update([[[1]]], [[[1]]]), 'E_METRIC_INPUT_SHAPE', /\[batch\] or \[batch, outputs\]/);
    expectMetricError(
      () => metric.update([1, Number.NaN], [1, 2]),
      'E_METRIC_INPUT_NOT_FINITE',
      /predictions\[1\] is NaN/,
    );
    expectMetricError(
      () => metric.update([1, 2], [Number.NEGATIVE_INFINITY, 2]),
      'E_METRIC_INPUT_NOT_FINITE',
      /targets\[0\]/,
    );
    expect(metric.compute()).toBe(2);
  });

  it('R² with one sample is undefined (sklearn returns NaN with a warning; we throw)', () => {
    expectMetricError(() => r2Score([1], [2]), 'E_METRIC_UNDEFINED', /single sample/);
    expectMetricError(() => meanAbsoluteError.create().compute(), 'E_METRIC_UNDEFINED', /before any samples/);
  });
});
