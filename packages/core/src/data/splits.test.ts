import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datasetFromArray } from './dataset.js';
import { randomSplit, resolveSplitSizes, stratifiedSplit } from './splits.js';

interface StratifiedSplitCase {
  name: string;
  labels: number[];
  testFraction: number;
  testSize: number;
  classes: number[];
  /** Every per-class test count (classes in `classes` order) sklearn produced over 300 random states. */
  testClassCounts: number[][];
}

// Written by fixtures/sklearn_reference.py (scikit-learn's train_test_split with stratify).
const reference = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as {
  stratifiedSplit: StratifiedSplitCase[];
};

const ascending = (values: Iterable<number>) => [...values].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, index) => index);

describe('resolveSplitSizes', () => {
  it("turns fractions into sizes by PyTorch random_split's rule: floor each, then round-robin the remainder", () => {
    expect(resolveSplitSizes(10, [0.3, 0.3, 0.4])).toEqual([3, 3, 4]);
    expect(resolveSplitSizes(7, [0.5, 0.25, 0.25])).toEqual([4, 2, 1]); // floors 3,1,1; remainder 2 → first two
    expect(resolveSplitSizes(11, [0.7, 0.2, 0.1])).toEqual([8, 2, 1]); // sum is 0.9999999999999999
    expect(resolveSplitSizes(3, [1 / 3, 1 / 3, 1 / 3])).toEqual([1, 1, 1]);
    expect(resolveSplitSizes(10, [1, 0])).toEqual([10, 0]);
  });

  it('takes integer sizes summing to the length as they are', () => {
    expect(resolveSplitSizes(10, [7, 3])).toEqual([7, 3]);
    expect(resolveSplitSizes(1, [1, 0])).toEqual([1, 0]);
  });

  it('rejects fractions not summing to 1 and sizes not summing to the length', () => {
    expect(() => resolveSplitSizes(10, [0.5, 0.4])).toThrow(
      /E_DATA_SPLIT: split lengths \[0.5,0.4\] sum to 0.9: fractions must lie in \[0, 1\] and sum to 1, sizes must be non-negative integers summing to the dataset length 10/,
    );
    expect(() => resolveSplitSizes(10, [6, 3])).toThrow(/E_DATA_SPLIT/);
    expect(() => resolveSplitSizes(10, [12, -2])).toThrow(/E_DATA_SPLIT/);
    expect(() => resolveSplitSizes(10, [])).toThrow(/E_DATA_SPLIT: split lengths must be a non-empty array/);
    expect(() => resolveSplitSizes(10, [Number.NaN, 1])).toThrow(/E_DATA_SPLIT/);
  });
});

describe('randomSplit', () => {
  it('partitions indices into disjoint random parts that cover every example, repeatably', () => {
    const parts = randomSplit(103, [0.8, 0.1, 0.1], 4);
    expect(parts.map((part) => part.length)).toEqual([83, 10, 10]);
    expect(ascending(parts.flatMap((part) => Array.from(part)))).toEqual(range(103));
    expect(Array.from(parts[0] ?? [])).not.toEqual(range(83));
    expect(randomSplit(103, [0.8, 0.1, 0.1], 4)).toEqual(parts);
    expect(randomSplit(103, [0.8, 0.1, 0.1], 5)).not.toEqual(parts);
  });

  it('splits a dataset into subsets', () => {
    const dataset = datasetFromArray(range(10).map((index) => `example ${index}`));
    const [train, test] = randomSplit(dataset, [7, 3], 1);
    expect([train?.length, test?.length]).toEqual([7, 3]);
    const seen = [...range(7).map((index) => train?.get(index)), ...range(3).map((index) => test?.get(index))];
    expect(new Set(seen).size).toBe(10);
    expect(test?.get(0)).toBe(`example ${test?.indices[0]}`);
  });

  it('rejects a bad seed or source', () => {
    expect(() => randomSplit(10, [0.5, 0.5], 1.5)).toThrow(/E_DATA_SEED/);
    expect(() => randomSplit(-1, [1], 0)).toThrow(/E_DATA_DATASET/);
  });
});

describe('stratifiedSplit', () => {
  for (const reference_ of reference.stratifiedSplit) {
    it(`matches scikit-learn's train_test_split(stratify=...) sizes and class counts: ${reference_.name}`, () => {
      const { labels, testFraction, testSize, classes, testClassCounts } = reference_;
      const allowed = new Set(testClassCounts.map((counts) => counts.join()));
      const outcomes = new Set<string>();
      for (let seed = 0; seed < 40; seed++) {
        const { train, test } = stratifiedSplit(labels, testFraction, seed);
        expect(test.length).toBe(testSize);
        expect(ascending([...train, ...test])).toEqual(range(labels.length));
        const counts = classes.map((label) => Array.from(test).filter((index) => labels[index] === label).length);
        expect(allowed.has(counts.join()), `counts ${counts} not among sklearn's ${[...allowed].join(' | ')}`).toBe(
          true,
        );
        outcomes.add(counts.join());
      }
      // Ties are broken at random, so over 40 seeds we see every outcome sklearn sees.
      expect(outcomes.size).toBe(allowed.size);
    });
  }

  it('uses ceil(testFraction · n) test examples and is repeatable from its seed', () => {
    const labels = [...Array(10).fill('a'), ...Array(7).fill('b')];
    const split = stratifiedSplit(labels, 0.2, 3);
    expect(split.test.length).toBe(Math.ceil(0.2 * 17));
    expect(stratifiedSplit(labels, 0.2, 3)).toEqual(split);
    expect(stratifiedSplit(labels, 0.2, 4)).not.toEqual(split);
  });

  it('fails like sklearn when a split cannot be stratified', () => {
    expect(() => stratifiedSplit([0, 0, 0, 1], 0.5, 0)).toThrow(
      /E_DATA_SPLIT: class 1 has only 1 member; stratification needs at least 2 per class/,
    );
    expect(() => stratifiedSplit([0, 0, 1, 1, 2, 2, 3, 3], 0.25, 0)).toThrow(
      /E_DATA_SPLIT: the test set would have 2 examples, fewer than the 4 classes/,
    );
    expect(() => stratifiedSplit([0, 0, 1, 1], 0.9, 0)).toThrow(/the train set would be empty/);
    expect(() => stratifiedSplit([0, 0, 1, 1], 1, 0)).toThrow(/testFraction must be a number in \(0, 1\)/);
    expect(() => stratifiedSplit([0, Number.NaN], 0.5, 0)).toThrow(/E_DATA_LABELS/);
  });
});
