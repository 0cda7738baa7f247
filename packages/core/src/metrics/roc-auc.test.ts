import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { expectClose, expectMetricError, reference, streamInBatches } from './fixtures/reference.js';
import { type RocAucAverage, rocAuc } from './roc-auc.js';

const { binary, multiclass } = reference;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('rocAuc against sklearn', () => {
  it('binary scores with many ties, as [batch], [batch, 1] and [batch, 2] (class 1 column)', () => {
    const { scores, targets } = binary.inputs;
    expectClose(rocAuc(scores, targets), binary.rocAuc, '[batch]');
    expectClose(
      rocAuc(
        scores.map((score) => [score]),
        targets,
      ),
      binary.rocAuc,
      '[batch, 1]',
    );
    const twoColumns = scores.map((score) => [1 - score, score]);
    expectClose(rocAuc(twoColumns, targets), binary.rocAuc, '[batch, 2]');
    const tensor = tf.tensor1d(scores);
    expectClose(rocAuc(tensor, Int32Array.from(targets)), binary.rocAuc, 'tensor');
    tensor.dispose();
  });

  it('binary targets with labels 3 and 7: the larger label is positive, as sklearn', () => {
    expectClose(rocAuc(binary.inputs.scores, binary.relabelled.targets), binary.relabelled.rocAuc);
  });

  it('multi-class one-vs-rest, macro (default), weighted and micro', () => {
    const { scores, targets } = multiclass.inputs;
    expectClose(rocAuc(scores, targets), multiclass.rocAuc.macro, 'default');
    for (const average of ['macro', 'weighted', 'micro'] as const satisfies readonly RocAucAverage[]) {
      const score = tf.tidy(() => rocAuc(tf.tensor2d(scores), targets, { average }));
      expectClose(score, multiclass.rocAuc[average], average);
    }
  });

  it('counts a tied positive/negative pair as one half (Mann–Whitney)', () => {
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });
});

describe('streaming ROC AUC', () => {
  it('equals the full-data value exactly over uneven batches, binary and multi-class', () => {
    for (const [scores, targets] of [
      [binary.inputs.scores, binary.inputs.targets],
      [multiclass.inputs.scores, multiclass.inputs.targets],
    ] as const) {
      const metric = rocAuc.create({ average: 'weighted' });
      expect(streamInBatches(metric, scores, targets)).toBe(rocAuc(scores, targets, { average: 'weighted' }));
    }
  });

  it('accepts empty batches, resets, and keeps tf.memory().numTensors flat', () => {
    const metric = rocAuc.create();
    const scores = tf.tensor2d(multiclass.inputs.scores);
    const targets = tf.tensor1d(multiclass.inputs.targets, 'int32');
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(scores, targets);
    metric.update([], []);
    expectClose(metric.compute(), multiclass.rocAuc.macro);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([scores, targets]);
    metric.reset();
    metric.update([0.2, 0.9], [0, 1]);
    expect(metric.compute()).toBe(1);
  });
});

describe('ROC AUC errors', () => {
  it('raises E_METRIC_UNDEFINED when only one class is present (sklearn raises too)', () => {
    expectMetricError(
      () => rocAuc([0.1, 0.7, 0.4], [1, 1, 1]),
      'E_METRIC_UNDEFINED',
      /only one class is present.*class 1/,
    );
    expectMetricError(() => rocAuc.create().compute(), 'E_METRIC_UNDEFINED', /before any samples/);
  });

  it('raises E_METRIC_UNDEFINED when a class of a multi-class problem never occurs in the targets', () => {
    const scores = [
      [0.2, 0.3, 0.5],
      [0.6, 0.2, 0.2],
      [0.1, 0.8, 0.1],
    ];
    expectMetricError(() => rocAuc(scores, [0, 1, 1]), 'E_METRIC_UNDEFINED', /class 2: it never occurs/);
  });

  it('rejects multi-class scores that are not probabilities, as sklearn', () => {
    expectMetricError(
      () => rocAuc([[2, 1, -1]], [0]),
      'E_METRIC_INPUT_PROBABILITIES',
      /predictions\[0\] sums to 2.*softmax/,
    );
  });

  it('rejects three classes with one score column, targets outside the columns, and changing column counts', () => {
    expectMetricError(() => rocAuc([0.1, 0.5, 0.9], [0, 1, 2]), 'E_METRIC_INPUT_MULTICLASS', /\[batch, classes\]/);
    expectMetricError(() => rocAuc([[0.4, 0.6]], [2]), 'E_METRIC_INPUT_LABEL', /must be 0 or 1/);
    expectMetricError(() => rocAuc([[0.4, 0.3, 0.3]], [3]), 'E_METRIC_INPUT_LABEL', /only 3 score columns/);
    const metric = rocAuc.create();
    metric.update([0.3, 0.6], [0, 1]);
    expectMetricError(() => metric.update([[0.3, 0.7]], [1]), 'E_METRIC_INPUT_SHAPE', /earlier batches had 1/);
    expectMetricError(() => metric.update([0.3, Number.NaN], [0, 1]), 'E_METRIC_INPUT_NOT_FINITE');
    expectMetricError(() => metric.update([0.3], [0, 1]), 'E_METRIC_INPUT_LENGTH');
    expect(metric.compute()).toBe(1);
    expectMetricError(() => rocAuc.create({ average: 'samples' as RocAucAverage }), 'E_METRIC_OPTION');
  });
});
