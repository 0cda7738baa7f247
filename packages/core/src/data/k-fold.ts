import { TesseraError } from '../errors.js';
import { createRandomGenerator, type RandomGenerator } from '../random/random-generator.js';
import { checkLength } from './dataset.js';
import { checkSeed } from './derive-seed.js';
import { type ClassLabels, encodeLabels } from './labels.js';

/** One cross-validation fold: example indices to train on and to test on, each ascending. */
export interface Fold {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/** Options of {@link kFoldIndices}. */
export interface KFoldOptions {
  /** Shuffle examples before cutting folds. Default false (contiguous folds, as sklearn). */
  shuffle?: boolean;
  /** Seed of the shuffle; only valid with `shuffle: true`. Default 0. */
  seed?: number;
}

/** Options of {@link stratifiedKFoldIndices}. */
export interface StratifiedKFoldOptions extends KFoldOptions {
  /**
   * By default a class with fewer than k members is an error (`E_DATA_FOLDS`): some test fold
   * would hold none of it, so the folds are not stratified. `true` follows scikit-learn instead,
   * which only warns and goes on (and still fails when every class has fewer than k members).
   */
  allowSmallClasses?: boolean;
}

function checkFolds(count: number, folds: number, what: string): void {
  if (!Number.isInteger(folds) || folds < 2) {
    throw new TesseraError('E_DATA_FOLDS', `${what}: k must be an integer of at least 2, got ${folds}`);
  }
  if (folds > count) {
    throw new TesseraError(
      'E_DATA_FOLDS',
      `${what}: cannot make ${folds} folds of ${count} examples; k must be at most the number of examples`,
    );
  }
}

/** The shuffle generator, or undefined without shuffle; a seed without shuffle is a mistake (as in sklearn). */
function foldRandom(options: KFoldOptions, what: string): RandomGenerator | undefined {
  if (!options.shuffle) {
    if (options.seed !== undefined) {
      throw new TesseraError(
        'E_DATA_OPTIONS',
        `${what}: a seed has no effect without shuffle; pass { shuffle: true, seed } or leave the seed out`,
      );
    }
    return undefined;
  }
  const seed = options.seed ?? 0;
  checkSeed(seed, `${what} seed`);
  return createRandomGenerator(seed);
}

/** Folds from each example's test-fold number: fold i tests where testFold == i, trains elsewhere. */
function foldsFromAssignment(testFold: Int32Array, folds: number): Fold[] {
  const testSizes = new Int32Array(folds);
  for (const fold of testFold) testSizes[fold] = (testSizes[fold] as number) + 1;
  return Array.from({ length: folds }, (_, fold) => {
    const test = new Int32Array(testSizes[fold] as number);
    const train = new Int32Array(testFold.length - test.length);
    let testAt = 0;
    let trainAt = 0;
    testFold.forEach((assigned, index) => {
      if (assigned === fold) test[testAt++] = index;
      else train[trainAt++] = index;
    });
    return { train, test };
  });
}

/**
 * K-fold cross-validation indices with scikit-learn's `KFold` semantics: without shuffle, fold i
 * tests a contiguous block, the first `n % k` folds holding one example more than the rest
 * (exactly sklearn's folds); with shuffle, the blocks are cut from a seeded permutation. Every
 * example is tested exactly once. Index arrays are ascending, like sklearn's. `k < 2` or `k > n`
 * fails with `E_DATA_FOLDS`.
 */
export function kFoldIndices(count: number, k: number, options: KFoldOptions = {}): Fold[] {
  checkLength(count, 'kFoldIndices');
  checkFolds(count, k, 'kFoldIndices');
  const random = foldRandom(options, 'kFoldIndices');
  const order = random ? random.permutation(count) : Int32Array.from({ length: count }, (_, index) => index);
  const testFold = new Int32Array(count);
  const smallSize = Math.floor(count / k);
  let start = 0;
  for (let fold = 0; fold < k; fold++) {
    const size = smallSize + (fold < count % k ? 1 : 0);
    for (let position = start; position < start + size; position++) testFold[order[position] as number] = fold;
    start += size;
  }
  return foldsFromAssignment(testFold, k);
}

/**
 * Stratified k-fold indices with scikit-learn's `StratifiedKFold` allocation (version ≥ 0.22):
 * classes are numbered by first appearance; dealing the examples, sorted by class, round-robin
 * into k folds fixes how many of each class every test fold gets (so fold sizes differ by at
 * most one and each class's count per fold differs by at most one); each class's examples then
 * take their folds in data order — contiguous blocks, fold 0 first — or, with shuffle, in a
 * seeded random order. Without shuffle the folds equal sklearn's exactly.
 *
 * A class with fewer than k members fails with `E_DATA_FOLDS` unless `allowSmallClasses`
 * (see {@link StratifiedKFoldOptions}).
 */
export function stratifiedKFoldIndices(labels: ClassLabels, k: number, options: StratifiedKFoldOptions = {}): Fold[] {
  const { ids, classes, counts, members } = encodeLabels(labels, 'stratifiedKFoldIndices');
  checkFolds(ids.length, k, 'stratifiedKFoldIndices');
  const random = foldRandom(options, 'stratifiedKFoldIndices');
  const smallest = Math.min(...counts);
  if (counts.every((count) => count < k) || (smallest < k && !options.allowSmallClasses)) {
    const label = classes[counts.indexOf(smallest)];
    throw new TesseraError(
      'E_DATA_FOLDS',
      `class ${JSON.stringify(label)} has only ${smallest} members, fewer than k = ${k}, so some test folds would ` +
        'miss it; lower k, merge rare classes, or pass { allowSmallClasses: true } to accept unstratified folds',
    );
  }

  // allocation[fold * classCount + class]: how many of the class the fold tests. sklearn deals
  // the class-sorted examples round-robin: position p of the sorted order goes to fold p % k.
  const classCount = classes.length;
  const allocation = new Int32Array(k * classCount);
  let position = 0;
  counts.forEach((count, classId) => {
    for (let member = 0; member < count; member++, position++) {
      const cell = (position % k) * classCount + classId;
      allocation[cell] = (allocation[cell] as number) + 1;
    }
  });

  const testFold = new Int32Array(ids.length);
  members.forEach((indices, classId) => {
    const foldsForClass: number[] = [];
    for (let fold = 0; fold < k; fold++) {
      for (let repeat = 0; repeat < (allocation[fold * classCount + classId] as number); repeat++)
        foldsForClass.push(fold);
    }
    random?.shuffle(foldsForClass);
    indices.forEach((index, member) => {
      testFold[index] = foldsForClass[member] as number;
    });
  });
  return foldsFromAssignment(testFold, k);
}
