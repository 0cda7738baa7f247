import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Fold, kFoldIndices, stratifiedKFoldIndices } from './k-fold.js';

interface ReferenceFold {
  train: number[];
  test: number[];
}

// Written by fixtures/sklearn_reference.py (scikit-learn KFold / StratifiedKFold, shuffle=False).
const reference = JSON.parse(readFileSync(new URL('./fixtures/sklearn-reference.json', import.meta.url), 'utf8')) as {
  kFold: Array<{ n: number; k: number; folds: ReferenceFold[] }>;
  stratifiedKFold: Array<{
    name: string;
    labels: Array<number | string>;
    k: number;
    sklearnWarns: boolean;
    folds: ReferenceFold[];
  }>;
};

const plain = (folds: Fold[]): ReferenceFold[] =>
  folds.map((fold) => ({ train: Array.from(fold.train), test: Array.from(fold.test) }));
const range = (n: number) => Array.from({ length: n }, (_, index) => index);

function expectPartition(folds: Fold[], n: number): void {
  const tested = folds.flatMap((fold) => Array.from(fold.test)).sort((a, b) => a - b);
  expect(tested).toEqual(range(n)); // every example tested exactly once
  for (const fold of folds) {
    expect([...fold.train, ...fold.test].sort((a, b) => a - b)).toEqual(range(n));
    expect(Array.from(fold.test)).toEqual([...fold.test].sort((a, b) => a - b));
  }
}

describe('kFoldIndices', () => {
  for (const { n, k, folds } of reference.kFold) {
    it(`equals scikit-learn KFold(n_splits=${k}) on ${n} examples`, () => {
      expect(plain(kFoldIndices(n, k))).toEqual(folds);
    });
  }

  it('with shuffle, keeps the fold sizes, tests each example once, and repeats from its seed', () => {
    const shuffled = kFoldIndices(23, 4, { shuffle: true, seed: 7 });
    expect(shuffled.map((fold) => fold.test.length)).toEqual([6, 6, 6, 5]);
    expectPartition(shuffled, 23);
    expect(plain(shuffled)).not.toEqual(plain(kFoldIndices(23, 4)));
    expect(plain(kFoldIndices(23, 4, { shuffle: true, seed: 7 }))).toEqual(plain(shuffled));
    expect(plain(kFoldIndices(23, 4, { shuffle: true, seed: 8 }))).not.toEqual(plain(shuffled));
  });

  it('rejects k < 2, k > n and a seed without shuffle', () => {
    expect(() => kFoldIndices(10, 1)).toThrow(/E_DATA_FOLDS: kFoldIndices: k must be an integer of at least 2, got 1/);
    expect(() => kFoldIndices(10, 2.5)).toThrow(/E_DATA_FOLDS/);
    expect(() => kFoldIndices(3, 4)).toThrow(/E_DATA_FOLDS: kFoldIndices: cannot make 4 folds of 3 examples/);
    expect(() => kFoldIndices(10, 2, { seed: 1 })).toThrow(
      /E_DATA_OPTIONS: kFoldIndices: a seed has no effect without shuffle/,
    );
    expect(() => kFoldIndices(10, 2, { shuffle: true, seed: 0.5 })).toThrow(/E_DATA_SEED/);
  });
});

describe('stratifiedKFoldIndices', () => {
  for (const { name, labels, k, sklearnWarns, folds } of reference.stratifiedKFold) {
    it(`equals scikit-learn StratifiedKFold(n_splits=${k}): ${name}`, () => {
      expect(plain(stratifiedKFoldIndices(labels, k, { allowSmallClasses: sklearnWarns }))).toEqual(folds);
    });
  }

  it('with shuffle, keeps every class within one of its share in each test fold', () => {
    const labels = [...Array(17).fill('a'), ...Array(9).fill('b'), ...Array(5).fill('c')];
    const folds = stratifiedKFoldIndices(labels, 5, { shuffle: true, seed: 3 });
    expectPartition(folds, labels.length);
    for (const label of ['a', 'b', 'c']) {
      const total = labels.filter((value) => value === label).length;
      for (const fold of folds) {
        const count = Array.from(fold.test).filter((index) => labels[index] === label).length;
        expect(count).toBeGreaterThanOrEqual(Math.floor(total / 5));
        expect(count).toBeLessThanOrEqual(Math.ceil(total / 5));
      }
    }
    expect(plain(folds)).not.toEqual(plain(stratifiedKFoldIndices(labels, 5)));
    expect(plain(stratifiedKFoldIndices(labels, 5, { shuffle: true, seed: 3 }))).toEqual(plain(folds));
  });

  it('rejects a class smaller than k unless allowSmallClasses, and always when every class is', () => {
    const labels = [0, 0, 0, 0, 0, 1, 1];
    expect(() => stratifiedKFoldIndices(labels, 3)).toThrow(
      /E_DATA_FOLDS: class 1 has only 2 members, fewer than k = 3.*allowSmallClasses/,
    );
    expectPartition(stratifiedKFoldIndices(labels, 3, { allowSmallClasses: true }), 7);
    expect(() => stratifiedKFoldIndices([0, 0, 1, 1], 3, { allowSmallClasses: true })).toThrow(/E_DATA_FOLDS/);
    expect(() => stratifiedKFoldIndices([0, 1, 0], 4)).toThrow(/cannot make 4 folds of 3 examples/);
    expect(() => stratifiedKFoldIndices([0, undefined as never], 2)).toThrow(/E_DATA_LABELS/);
  });
});
