import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import {
  expectAllClose,
  expectClose,
  expectMetricError,
  reference,
  splitRows,
  streamInBatches,
  UNEVEN_SPLIT,
} from './fixtures/reference.js';
import {
  type ClassificationAverage,
  f1,
  type PrecisionRecallF1,
  type PrecisionRecallOptions,
  precision,
  precisionRecallF1,
  precisionRecallF1Support,
  recall,
} from './precision-recall.js';

const { binary, multiclass, absentLabels } = reference;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Checks precision, recall and f1 against one sklearn triple. */
function expectScores(
  predictions: number[] | number[][],
  targets: number[],
  options: PrecisionRecallOptions,
  expected: PrecisionRecallF1,
  label: string,
): void {
  expectClose(precision(predictions, targets, options), expected.precision, `${label} precision`);
  expectClose(recall(predictions, targets, options), expected.recall, `${label} recall`);
  expectClose(f1(predictions, targets, options), expected.f1, `${label} f1`);
}

const AVERAGES = ['macro', 'micro', 'weighted'] as const satisfies readonly ClassificationAverage[];

describe('precision, recall and F1 against sklearn', () => {
  it('binary, with positive label 1 (default) and 0, from labels and from thresholded scores', () => {
    const { predictions, scores, targets, threshold } = binary.inputs;
    expectScores(predictions, targets, {}, binary.positiveLabel1, 'positive 1');
    expectScores(scores, targets, { threshold }, binary.positiveLabel1, 'positive 1 from scores');
    expectScores(predictions, targets, { positiveLabel: 0 }, binary.positiveLabel0, 'positive 0');
    for (const average of AVERAGES) expectScores(predictions, targets, { average }, binary.averaged[average], average);
  });

  it('multi-class with a class never predicted, zeroDivision 0 and 1', () => {
    const { scores, targets } = multiclass.inputs;
    for (const average of AVERAGES) {
      expectScores(scores, targets, { average }, multiclass.zeroDivision0[average], `${average} zd0`);
      expectScores(scores, targets, { average, zeroDivision: 1 }, multiclass.zeroDivision1[average], `${average} zd1`);
    }
    const perClass = precisionRecallF1Support(scores, targets);
    expect(perClass.labels).toEqual([0, 1, 2, 3]);
    expectAllClose(perClass.precision, multiclass.perClass.precision, 'precision');
    expectAllClose(perClass.recall, multiclass.perClass.recall, 'recall');
    expectAllClose(perClass.f1, multiclass.perClass.f1, 'f1');
    expect(perClass.support).toEqual(multiclass.perClass.support);
  });

  it('labels absent from the targets or from the predictions, explicit and subset labels', () => {
    const { predictions, targets } = absentLabels.inputs;
    for (const average of AVERAGES) {
      expectScores(predictions, targets, { average }, absentLabels.zeroDivision0[average], `${average} zd0`);
      expectScores(
        predictions,
        targets,
        { average, zeroDivision: 1 },
        absentLabels.zeroDivision1[average],
        `${average} zd1`,
      );
    }
    for (const [zeroDivision, expected] of [
      [0, absentLabels.perClassZeroDivision0],
      [1, absentLabels.perClassZeroDivision1],
    ] as const) {
      const perClass = precisionRecallF1Support(predictions, targets, { zeroDivision });
      expect(perClass.labels).toEqual([0, 1, 2, 3]);
      expectAllClose(perClass.precision, expected.precision, `precision zd${zeroDivision}`);
      expectAllClose(perClass.recall, expected.recall, `recall zd${zeroDivision}`);
      expectAllClose(perClass.f1, expected.f1, `f1 zd${zeroDivision}`);
      expect(perClass.support).toEqual(expected.support);
    }
    const { explicitLabels, subsetLabels } = absentLabels;
    const explicit = precisionRecallF1Support(predictions, targets, { labels: explicitLabels.labels });
    expect(explicit.labels).toEqual(explicitLabels.labels);
    expectAllClose(explicit.precision, explicitLabels.perClass.precision, 'explicit precision');
    expectAllClose(explicit.recall, explicitLabels.perClass.recall, 'explicit recall');
    expectAllClose(explicit.f1, explicitLabels.perClass.f1, 'explicit f1');
    expectScores(
      predictions,
      targets,
      { average: 'macro', labels: explicitLabels.labels },
      explicitLabels.macro,
      'explicit macro',
    );
    expectScores(
      predictions,
      targets,
      { average: 'micro', labels: subsetLabels.labels },
      subsetLabels.micro,
      'subset micro',
    );
  });

  it('binary edge cases: positive class never predicted, and no positive class at all', () => {
    const { binaryNeverPredicted: never, binaryAllNegative: negative } = absentLabels;
    expectScores(never.predictions, never.targets, {}, never.zeroDivision0, 'never predicted zd0');
    expectScores(never.predictions, never.targets, { zeroDivision: 1 }, never.zeroDivision1, 'never predicted zd1');
    expectScores(negative.predictions, negative.targets, {}, negative.zeroDivision0, 'all negative zd0');
    expectScores(
      negative.predictions,
      negative.targets,
      { zeroDivision: 1 },
      negative.zeroDivision1,
      'all negative zd1',
    );
    expectScores(
      negative.predictions,
      negative.targets,
      { average: 'weighted', labels: [1], zeroDivision: 1 },
      negative.weightedZeroDivision1,
      'weighted, zero support',
    );
  });
});

describe('streaming precision, recall and F1', () => {
  it('equals the full-data value exactly for every average, over uneven batches of tensors', () => {
    const { scores, targets } = multiclass.inputs;
    const targetBatches = splitRows(targets, UNEVEN_SPLIT);
    const scoreBatches = splitRows(scores, UNEVEN_SPLIT);
    for (const average of AVERAGES) {
      const metrics = [precision.create({ average }), recall.create({ average }), f1.create({ average })];
      const combined = precisionRecallF1.create({ average });
      for (const [index, batch] of scoreBatches.entries()) {
        const scoreTensor = tf.tensor2d(batch, [batch.length, 4]);
        const targetTensor = tf.tensor1d(targetBatches[index]!, 'int32');
        for (const metric of [...metrics, combined]) metric.update(scoreTensor, targetTensor);
        tf.dispose([scoreTensor, targetTensor]);
      }
      const expected = [precision, recall, f1].map((score) => score(scores, targets, { average }));
      expect(metrics.map((metric) => metric.compute())).toEqual(expected);
      expect(combined.compute()).toEqual({ precision: expected[0], recall: expected[1], f1: expected[2] });
    }
    const perClass = precisionRecallF1Support.create();
    expect(streamInBatches(perClass, scores, targets)).toEqual(precisionRecallF1Support(scores, targets));
    perClass.reset();
    expectMetricError(() => perClass.compute(), 'E_METRIC_UNDEFINED');
  });

  it('keeps tf.memory().numTensors flat across updates', () => {
    const metric = f1.create({ average: 'macro' });
    const scores = tf.tensor2d(multiclass.inputs.scores);
    const targets = tf.tensor1d(multiclass.inputs.targets, 'int32');
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(scores, targets);
    metric.compute();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([scores, targets]);
  });
});

describe('precision, recall and F1 errors', () => {
  it("rejects average 'binary' on multi-class data, naming the classes and the alternatives", () => {
    const { predictions, targets } = absentLabels.inputs;
    expectMetricError(() => f1(predictions, targets), 'E_METRIC_INPUT_MULTICLASS', /4 \(0, 1, 2, 3\).*'macro'/);
  });

  it('rejects a positive label that is not one of the two classes present (as sklearn)', () => {
    expectMetricError(
      () => precision([0, 2], [2, 0], {}),
      'E_METRIC_INPUT_LABEL',
      /positiveLabel 1 is not one of the classes present \(0, 2\)/,
    );
    // With a single class present sklearn proceeds: the absent positive class scores zeroDivision.
    expect(precision([0, 0], [0, 0], { positiveLabel: 1, zeroDivision: 1 })).toBe(1);
  });

  it('rejects invalid options when the metric is created', () => {
    expectMetricError(
      () => precision.create({ average: 'samples' as ClassificationAverage }),
      'E_METRIC_OPTION',
      /`average` is "samples"/,
    );
    expectMetricError(() => recall.create({ zeroDivision: 2 as 0 }), 'E_METRIC_OPTION', /zeroDivision/);
    expectMetricError(() => f1.create({ labels: [0, 1] }), 'E_METRIC_OPTION', /binary/);
    expectMetricError(() => f1.create({ average: 'macro', labels: [0, 0] }), 'E_METRIC_OPTION', /twice/);
    expectMetricError(() => f1.create({ average: 'macro', labels: [] }), 'E_METRIC_OPTION', /non-empty/);
    expectMetricError(() => f1.create({ average: 'macro', labels: [1.5] }), 'E_METRIC_OPTION', /1.5/);
    expectMetricError(() => f1.create({ positiveLabel: -1 }), 'E_METRIC_OPTION', /positiveLabel/);
  });

  it('rejects mismatched lengths and non-finite scores without changing the state', () => {
    const metric = precision.create({ average: 'micro' });
    metric.update([0, 1, 2], [0, 1, 1]);
    expectMetricError(() => metric.update([0, 1], [0]), 'E_METRIC_INPUT_LENGTH');
    expectMetricError(() => metric.update([[Number.NaN, 1]], [0]), 'E_METRIC_INPUT_NOT_FINITE');
    expect(metric.compute()).toBeCloseTo(2 / 3, 12);
  });
});
