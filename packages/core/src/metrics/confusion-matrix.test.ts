import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { type ConfusionMatrixNormalization, confusionMatrix } from './confusion-matrix.js';
import { expectAllClose, expectMetricError, reference, streamInBatches } from './fixtures/reference.js';

const { binary, multiclass, absentLabels } = reference;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('confusionMatrix against sklearn', () => {
  it('binary, from labels and from thresholded scores', () => {
    const { predictions, scores, targets, threshold } = binary.inputs;
    expect(confusionMatrix(predictions, targets)).toEqual({ labels: [0, 1], matrix: binary.confusionMatrix });
    expect(confusionMatrix(scores, targets, { threshold }).matrix).toEqual(binary.confusionMatrix);
  });

  it('multi-class with a class never predicted, raw and normalised over true, pred and all', () => {
    const { scores, targets } = multiclass.inputs;
    const raw = confusionMatrix(scores, targets);
    expect(raw.labels).toEqual([0, 1, 2, 3]);
    expect(raw.matrix).toEqual(multiclass.confusionMatrix.none);
    for (const normalize of ['true', 'pred', 'all'] as const satisfies readonly ConfusionMatrixNormalization[]) {
      // The 'pred' column of the never-predicted class is 0/0, which sklearn (and we) report as 0.
      expectAllClose(
        confusionMatrix(scores, targets, { normalize }).matrix,
        multiclass.confusionMatrix[normalize],
        normalize,
      );
    }
  });

  it('labels on one side only, explicit labels in a given order, and a subset of labels', () => {
    const { predictions, targets } = absentLabels.inputs;
    expect(confusionMatrix(predictions, targets)).toEqual({
      labels: [0, 1, 2, 3],
      matrix: absentLabels.confusionMatrix,
    });
    const { explicitLabels, subsetLabels } = absentLabels;
    expect(confusionMatrix(predictions, targets, { labels: explicitLabels.labels })).toEqual({
      labels: explicitLabels.labels,
      matrix: explicitLabels.confusionMatrix,
    });
    expect(confusionMatrix(predictions, targets, { labels: subsetLabels.labels }).matrix).toEqual(
      subsetLabels.confusionMatrix,
    );
  });
});

describe('streaming confusion matrix', () => {
  it('equals the full-data matrix exactly over uneven batches, and resets', () => {
    const { scores, targets } = multiclass.inputs;
    const metric = confusionMatrix.create({ normalize: 'true' });
    expect(streamInBatches(metric, scores, targets)).toEqual(confusionMatrix(scores, targets, { normalize: 'true' }));
    metric.reset();
    expectMetricError(() => metric.compute(), 'E_METRIC_UNDEFINED', /before any samples/);
    // With explicit labels and no samples, sklearn returns zeros.
    expect(confusionMatrix.create({ labels: [0, 1] }).compute().matrix).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('keeps tf.memory().numTensors flat across updates', () => {
    const metric = confusionMatrix.create();
    const scores = tf.tensor2d(multiclass.inputs.scores);
    const targets = tf.tensor1d(multiclass.inputs.targets, 'int32');
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(scores, targets);
    expect(metric.compute().matrix[0]![0]).toBe(5 * multiclass.confusionMatrix.none[0]![0]!);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([scores, targets]);
  });

  it('rejects labels none of which occur in the targets, and bad options', () => {
    expectMetricError(
      () => confusionMatrix([0, 1], [0, 1], { labels: [5, 6] }),
      'E_METRIC_INPUT_LABEL',
      /none of `labels` \(5, 6\)/,
    );
    expectMetricError(
      () => confusionMatrix.create({ normalize: 'rows' as ConfusionMatrixNormalization }),
      'E_METRIC_OPTION',
      /normalize/,
    );
    expectMetricError(
      () => confusionMatrix([[0.2, 0.8]], [1], { threshold: 0.5 }),
      'E_METRIC_INPUT_SHAPE',
      /threshold/,
    );
  });
});
