import { describe, expect, expectTypeOf, it } from 'vitest';
import { accuracy } from './accuracy.js';
import { confusionMatrix } from './confusion-matrix.js';
import { defineMetric, type Metric, type MetricInput, type MetricOptions } from './metric.js';
import { perplexityFromLosses } from './perplexity.js';

/** A metric written by hand: the sum of predictions, with an option that scales it. */
function createScaledSum(options: MetricOptions & { scale?: number } = {}): Metric<number, number[], number[]> {
  let sum = 0;
  return {
    name: options.name ?? 'scaledSum',
    update(predictions) {
      for (const value of predictions) sum += value;
    },
    compute: () => sum * (options.scale ?? 1),
    reset() {
      sum = 0;
    },
  };
}

describe('defineMetric', () => {
  it('scores one batch as the streaming metric fed once, with the same options', () => {
    const scaledSum = defineMetric(createScaledSum);
    const streamed = scaledSum.create({ scale: 2 });
    streamed.update([1, 2], []);
    expect(scaledSum([1, 2], [], { scale: 2 })).toBe(streamed.compute());
    expect(scaledSum([1, 2], [])).toBe(3);
    // Each call and each create starts from an empty accumulator.
    expect(scaledSum([4], [])).toBe(4);
    expect(scaledSum.create().compute()).toBe(0);
    expect(scaledSum.create({ name: 'validationSum' }).name).toBe('validationSum');
  });

  it('types the call and create from the options, result, prediction and target types', () => {
    const scaledSum = defineMetric(createScaledSum);
    expectTypeOf(scaledSum.create).parameter(0).toEqualTypeOf<(MetricOptions & { scale?: number }) | undefined>();
    expectTypeOf(scaledSum.create()).toEqualTypeOf<Metric<number, number[], number[]>>();
    expectTypeOf(accuracy).parameters.toEqualTypeOf<
      [predictions: MetricInput, targets: MetricInput, options?: Parameters<typeof accuracy.create>[0]]
    >();
    expectTypeOf(confusionMatrix([0, 1], [0, 1])).toHaveProperty('matrix');
    // Targets that accept null may be left out of the one-batch call.
    expectTypeOf(perplexityFromLosses).toBeCallableWith([0.5]);
    expectTypeOf(accuracy).parameter(1).toEqualTypeOf<MetricInput>();
    // @ts-expect-error: accuracy has no `k` option
    accuracy.create({ k: 2 });
    // @ts-expect-error: accuracy needs targets
    expect(() => accuracy([0, 1])).toThrow();
  });
});
