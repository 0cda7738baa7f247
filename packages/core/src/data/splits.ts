import { TesseraError } from '../errors.js';
import { createRandomGenerator, type RandomGenerator } from '../random/random-generator.js';
import { checkLength, type Dataset, isMapDataset } from './dataset.js';
import { type Subset, subset } from './dataset-transforms.js';
import { checkSeed } from './derive-seed.js';
import { type ClassLabels, encodeLabels } from './labels.js';

/** Fractions may miss 1 by float rounding (0.7 + 0.2 + 0.1 = 0.9999999999999999); allow that much. */
const FRACTION_TOLERANCE = 1e-6;

/**
 * Resolves `lengths` to split sizes summing to `total`. Non-negative integers summing to `total`
 * are sizes; otherwise numbers in [0, 1] summing to 1 are fractions, turned into sizes the way
 * PyTorch's `random_split` does: floor(total · fraction) each, then the remainder handed out one
 * by one to the splits in order. Anything else fails with `E_DATA_SPLIT`.
 */
export function resolveSplitSizes(total: number, lengths: readonly number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((value) => !Number.isFinite(value))) {
    throw new TesseraError(
      'E_DATA_SPLIT',
      `split lengths must be a non-empty array of finite numbers, got ${JSON.stringify(lengths)}; ` +
        'pass fractions summing to 1 (e.g. [0.8, 0.2]) or sizes summing to the dataset length',
    );
  }
  const sum = lengths.reduce((accumulated, value) => accumulated + value, 0);
  if (lengths.every((value) => Number.isInteger(value) && value >= 0) && sum === total) return [...lengths];
  if (lengths.every((value) => value >= 0 && value <= 1) && Math.abs(sum - 1) <= FRACTION_TOLERANCE) {
    // Normalise so a sum of 1 + 1e-12 cannot floor to more than `total` examples.
    const sizes = lengths.map((fraction) => Math.floor((total * fraction) / sum));
    let remainder = total - sizes.reduce((accumulated, size) => accumulated + size, 0);
    for (let position = 0; remainder > 0; position = (position + 1) % sizes.length, remainder--) {
      sizes[position] = (sizes[position] as number) + 1;
    }
    return sizes;
  }
  throw new TesseraError(
    'E_DATA_SPLIT',
    `split lengths ${JSON.stringify(lengths)} sum to ${sum}: fractions must lie in [0, 1] and sum to 1, ` +
      `sizes must be non-negative integers summing to the dataset length ${total}`,
  );
}

/**
 * Splits a dataset into disjoint random subsets (PyTorch's `random_split`): `lengths` are
 * fractions summing to 1 (`[0.8, 0.1, 0.1]`) or sizes summing to the length (see
 * {@link resolveSplitSizes}). Given a length instead of a dataset, returns the index arrays. The
 * same seed always gives the same split; together the parts cover every example exactly once.
 */
export function randomSplit<Example>(
  dataset: Dataset<Example>,
  lengths: readonly number[],
  seed: number,
): Subset<Example>[];
export function randomSplit(length: number, lengths: readonly number[], seed: number): Int32Array[];
export function randomSplit<Example>(
  datasetOrLength: Dataset<Example> | number,
  lengths: readonly number[],
  seed: number,
): Subset<Example>[] | Int32Array[] {
  checkSeed(seed, 'randomSplit seed');
  let total: number;
  if (typeof datasetOrLength === 'number') total = datasetOrLength;
  else if (datasetOrLength !== null && typeof datasetOrLength === 'object' && isMapDataset(datasetOrLength)) {
    total = datasetOrLength.length;
  } else {
    throw new TesseraError('E_DATA_SPLIT', 'randomSplit needs a map-style dataset or a length');
  }
  checkLength(total, 'randomSplit');
  const sizes = resolveSplitSizes(total, lengths);
  const order = createRandomGenerator(seed).permutation(total);
  let start = 0;
  const parts = sizes.map((size) => {
    const part = order.slice(start, start + size);
    start += size;
    return part;
  });
  if (typeof datasetOrLength === 'number') return parts;
  return parts.map((indices) => subset(datasetOrLength, indices));
}

/**
 * scikit-learn's `_approximate_mode`: how many of `nDraws` to take from each class so the counts
 * are as proportional to `classCounts` as integers allow. Floor the proportional share, then give
 * the leftover draws to the classes with the largest fractional parts, breaking ties randomly.
 */
function approximateMode(classCounts: Int32Array, nDraws: number, random: RandomGenerator): Int32Array {
  const total = classCounts.reduce((accumulated, count) => accumulated + count, 0);
  // Same float operations as sklearn (count / total * draws) so the shares agree bit for bit.
  const continuous = Array.from(classCounts, (count) => (count / total) * nDraws);
  const floored = Int32Array.from(continuous, (share) => Math.floor(share));
  let needToAdd = nDraws - floored.reduce((accumulated, count) => accumulated + count, 0);
  if (needToAdd > 0) {
    const remainders = continuous.map((share, index) => share - (floored[index] as number));
    const values = [...new Set(remainders)].sort((a, b) => b - a);
    for (const value of values) {
      const tied = random.shuffle(remainders.flatMap((remainder, index) => (remainder === value ? [index] : [])));
      const addNow = Math.min(tied.length, needToAdd);
      for (const index of tied.slice(0, addNow)) floored[index] = (floored[index] as number) + 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}

/** A train/test split as example indices. */
export interface TrainTestIndices {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

/**
 * A random train/test split that preserves class proportions, with scikit-learn's
 * `train_test_split(..., test_size=testFraction, stratify=labels)` semantics: the test set has
 * `ceil(testFraction · n)` examples and the train set the rest; each class contributes to each
 * set in proportion to its size, rounded so the totals are exact (ties broken at random); both
 * index arrays come back in random order. Fails with `E_DATA_SPLIT`, as sklearn does, when a
 * class has a single member or either set would have fewer examples than there are classes.
 */
export function stratifiedSplit(labels: ClassLabels, testFraction: number, seed: number): TrainTestIndices {
  checkSeed(seed, 'stratifiedSplit seed');
  const { counts, members, classes } = encodeLabels(labels, 'stratifiedSplit');
  const total = labels.length;
  if (!(typeof testFraction === 'number' && testFraction > 0 && testFraction < 1)) {
    throw new TesseraError('E_DATA_SPLIT', `testFraction must be a number in (0, 1), got ${String(testFraction)}`);
  }
  const testCount = Math.ceil(testFraction * total);
  const trainCount = total - testCount;
  if (trainCount === 0) {
    throw new TesseraError(
      'E_DATA_SPLIT',
      `with ${total} examples and testFraction ${testFraction} the train set would be empty; lower testFraction`,
    );
  }
  const smallest = Math.min(...counts);
  if (smallest < 2) {
    const label = classes[counts.indexOf(smallest)];
    throw new TesseraError(
      'E_DATA_SPLIT',
      `class ${JSON.stringify(label)} has only ${smallest} member; stratification needs at least 2 per class ` +
        '(merge rare classes or split without stratification)',
    );
  }
  for (const [name, size] of [
    ['train', trainCount],
    ['test', testCount],
  ] as const) {
    if (size < classes.length) {
      throw new TesseraError(
        'E_DATA_SPLIT',
        `the ${name} set would have ${size} examples, fewer than the ${classes.length} classes; ` +
          'each class needs a place in both sets, so adjust testFraction',
      );
    }
  }

  const random = createRandomGenerator(seed);
  const trainPerClass = approximateMode(counts, trainCount, random);
  const remaining = Int32Array.from(counts, (count, index) => count - (trainPerClass[index] as number));
  const testPerClass = approximateMode(remaining, testCount, random);
  const train: number[] = [];
  const test: number[] = [];
  members.forEach((indices, classId) => {
    const shuffled = random.shuffle(Array.from(indices));
    const trainTake = trainPerClass[classId] as number;
    const testEnd = trainTake + (testPerClass[classId] as number);
    // A loop, not push(...slice): spreading a class of 10^5+ members overflows the call stack.
    for (let position = 0; position < testEnd; position++) {
      (position < trainTake ? train : test).push(shuffled[position] as number);
    }
  });
  return { train: Int32Array.from(random.shuffle(train)), test: Int32Array.from(random.shuffle(test)) };
}
