import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { expectClose, expectMetricError, reference } from './fixtures/reference.js';
import { perplexity, perplexityFromLosses } from './perplexity.js';

const { perplexity: expected } = reference;
const { logits, targets, tokenLosses, ignoreIndex } = expected.inputs;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('perplexity against a numpy log-softmax reference', () => {
  it('from logits [batch, time, vocabulary] and targets with ignored positions', () => {
    expectClose(perplexity(logits, targets), expected.perplexity);
    expectClose(perplexity(logits, targets, { ignoreIndex }), expected.perplexity);
    const value = tf.tidy(() => perplexity(tf.tensor3d(logits), tf.tensor2d(targets, undefined, 'int32')));
    expectClose(value, expected.perplexity, 'tensors');
  });

  it('from per-token losses, masked by targets or counting every position', () => {
    expectClose(perplexityFromLosses(tokenLosses, targets), expected.perplexityFromTokenLosses);
    expectClose(perplexityFromLosses(tokenLosses, null), expected.perplexityFromAllTokenLosses);
  });

  it('is exp of the mean, pooled over tokens: a uniform model over V tokens has perplexity V', () => {
    expect(perplexity([[0, 0, 0, 0]], [2])).toBeCloseTo(4, 12);
    // Large logits do not overflow (log-sum-exp is max-shifted).
    expect(perplexity([[1000, 1000]], [0])).toBeCloseTo(2, 12);
  });
});

describe('streaming perplexity', () => {
  it('equals the full-data value exactly over uneven splits of the token positions', () => {
    const flatLogits = logits.flat();
    const flatTargets = targets.flat();
    const metric = perplexity.create();
    const lossMetric = perplexityFromLosses.create();
    const flatLosses = tokenLosses.flat();
    let start = 0;
    for (const size of [5, 1, 9, 0, 6]) {
      metric.update(flatLogits.slice(start, start + size), flatTargets.slice(start, start + size));
      lossMetric.update(flatLosses.slice(start, start + size), flatTargets.slice(start, start + size));
      start += size;
    }
    expect(start).toBe(flatTargets.length);
    expect(metric.compute()).toBe(perplexity(flatLogits, flatTargets));
    expect(lossMetric.compute()).toBe(perplexityFromLosses(flatLosses, flatTargets));
  });

  it('keeps tf.memory().numTensors flat, and resets', () => {
    const metric = perplexity.create();
    const logitTensor = tf.tensor3d(logits);
    const targetTensor = tf.tensor2d(targets, undefined, 'int32');
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) metric.update(logitTensor, targetTensor);
    expectClose(metric.compute(), expected.perplexity);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logitTensor, targetTensor]);
    metric.reset();
    expectMetricError(() => metric.compute(), 'E_METRIC_UNDEFINED', /no tokens counted/);
  });
});

describe('perplexity errors', () => {
  it('rejects targets outside the vocabulary, mismatched positions and bad shapes', () => {
    expectMetricError(
      () => perplexity([[0, 1]], [2]),
      'E_METRIC_INPUT_LABEL',
      /is 2; expected a token id in \[0, 2\) or ignoreIndex -100/,
    );
    expectMetricError(() => perplexity([[0, 1]], [0.5]), 'E_METRIC_INPUT_LABEL');
    expectMetricError(
      () => perplexity([[0, 1]], [0, 1]),
      'E_METRIC_INPUT_LENGTH',
      /1 token positions but targets have 2/,
    );
    expectMetricError(() => perplexity([0, 1], [0]), 'E_METRIC_INPUT_SHAPE', /\[\.\.\., vocabulary\]/);
    expectMetricError(() => perplexity.create({ ignoreIndex: 0.5 }), 'E_METRIC_OPTION');
  });

  it('rejects non-finite logits of counted tokens but does not read ignored ones', () => {
    expectMetricError(
      () => perplexity([[0, Number.NaN]], [0]),
      'E_METRIC_INPUT_NOT_FINITE',
      /position 0, vocabulary entry 1 is NaN/,
    );
    expect(
      perplexity(
        [
          [0, Number.NaN],
          [0, 0],
        ],
        [-100, 1],
      ),
    ).toBeCloseTo(2, 12);
  });

  it('rejects negative or non-finite token losses, naming log-probabilities as the likely mistake', () => {
    expectMetricError(() => perplexityFromLosses([0.5, -2.3]), 'E_METRIC_INPUT_RANGE', /not log-probabilities/);
    expectMetricError(() => perplexityFromLosses([0.5, Number.POSITIVE_INFINITY]), 'E_METRIC_INPUT_NOT_FINITE');
    expect(perplexityFromLosses([Math.log(3), Number.NaN], [5, -100])).toBeCloseTo(3, 12);
  });

  it('is undefined when every target is ignored', () => {
    expectMetricError(() => perplexity([[0, 1]], [-100]), 'E_METRIC_UNDEFINED', /no tokens counted/);
  });
});
