/**
 * Confusion matrix (scikit-learn's `confusion_matrix`), and the sparse (target, prediction) pair
 * counts that precision, recall and F1 are also computed from.
 *
 * Rows are true classes, columns predicted classes: `matrix[i][j]` counts samples of class
 * `labels[i]` predicted as `labels[j]`.
 */
import { TesseraError } from '../errors.js';
import {
  defineMetric,
  type LabelReadingOptions,
  type Metric,
  type MetricFunction,
  type MetricInput,
  type MetricOptions,
} from './metric.js';
import {
  assertSameLength,
  assertSeenSamples,
  readLabels,
  validateChoice,
  validateLabelsOption,
  validateThreshold,
} from './metric-input.js';

/**
 * Counts of (true class, predicted class) pairs, kept sparse so class indices need not be
 * known in advance or be contiguous. Integer counts make streaming exact. Internal.
 */
export class LabelPairCounts {
  private readonly pairs = new Map<number, Map<number, number>>();
  private readonly trueTotals = new Map<number, number>();
  private readonly predictedTotals = new Map<number, number>();
  private readonly correct = new Map<number, number>();
  private samples = 0;

  get sampleCount(): number {
    return this.samples;
  }

  add(predicted: Int32Array, targets: Int32Array): void {
    for (let index = 0; index < targets.length; index++) {
      const truth = targets[index]!;
      const guess = predicted[index]!;
      let row = this.pairs.get(truth);
      if (row === undefined) {
        row = new Map();
        this.pairs.set(truth, row);
      }
      row.set(guess, (row.get(guess) ?? 0) + 1);
      this.trueTotals.set(truth, (this.trueTotals.get(truth) ?? 0) + 1);
      this.predictedTotals.set(guess, (this.predictedTotals.get(guess) ?? 0) + 1);
      if (truth === guess) this.correct.set(truth, (this.correct.get(truth) ?? 0) + 1);
    }
    this.samples += targets.length;
  }

  /** Every class seen in targets or predictions, ascending (sklearn's `unique_labels`). */
  presentLabels(): number[] {
    const labels = new Set([...this.trueTotals.keys(), ...this.predictedTotals.keys()]);
    return [...labels].sort((a, b) => a - b);
  }

  count(trueLabel: number, predictedLabel: number): number {
    return this.pairs.get(trueLabel)?.get(predictedLabel) ?? 0;
  }

  /** Samples whose target is `label` (the class's support). */
  trueCount(label: number): number {
    return this.trueTotals.get(label) ?? 0;
  }

  /** Samples predicted as `label`. */
  predictedCount(label: number): number {
    return this.predictedTotals.get(label) ?? 0;
  }

  /** Samples of class `label` predicted as `label`. */
  truePositiveCount(label: number): number {
    return this.correct.get(label) ?? 0;
  }

  reset(): void {
    this.pairs.clear();
    this.trueTotals.clear();
    this.predictedTotals.clear();
    this.correct.clear();
    this.samples = 0;
  }
}

/** Reads predictions and targets as class indices and checks they pair up. Internal. */
export function readLabelPairs(
  predictions: MetricInput,
  targets: MetricInput,
  options: LabelReadingOptions,
): { predicted: Int32Array; targets: Int32Array } {
  const predicted = readLabels(predictions, 'predictions', options);
  const targetLabels = readLabels(targets, 'targets');
  assertSameLength(predicted.length, targetLabels.length);
  return { predicted, targets: targetLabels };
}

/** How to normalise the counts, as sklearn's `normalize`: over true rows, predicted columns, or all. */
export type ConfusionMatrixNormalization = 'none' | 'true' | 'pred' | 'all';

export interface ConfusionMatrixOptions extends MetricOptions, LabelReadingOptions {
  /**
   * Classes for the rows and columns, in this order. Default: every class seen in targets or
   * predictions, ascending. Samples whose target or prediction is not listed are left out, and at
   * least one listed class must occur in the targets (both as sklearn).
   */
  labels?: readonly number[];
  /** Default `'none'` (counts). Rows or columns with no samples normalise to 0, as sklearn. */
  normalize?: ConfusionMatrixNormalization;
}

export interface ConfusionMatrix {
  /** The class of each row (true) and column (predicted). */
  labels: number[];
  /** `[labels.length, labels.length]`: `matrix[i][j]` = samples of `labels[i]` predicted as `labels[j]`. */
  matrix: number[][];
}

const NORMALIZATIONS: readonly ConfusionMatrixNormalization[] = ['none', 'true', 'pred', 'all'];

/** Builds the matrix from accumulated counts. Internal. */
export function confusionMatrixFromCounts(
  counts: LabelPairCounts,
  labels: readonly number[] | undefined,
  normalize: ConfusionMatrixNormalization,
): ConfusionMatrix {
  // sklearn returns zeros for explicit labels and no samples; without labels there is nothing to show.
  if (labels === undefined) assertSeenSamples(counts.sampleCount, 'the confusion matrix');
  const rowLabels = labels ? [...labels] : counts.presentLabels();
  if (labels && counts.sampleCount > 0 && !labels.some((label) => counts.trueCount(label) > 0)) {
    throw new TesseraError(
      'E_METRIC_INPUT_LABEL',
      `none of \`labels\` (${labels.join(', ')}) occurs in the targets; at least one must (as in scikit-learn)`,
    );
  }
  const matrix = rowLabels.map((truth) => rowLabels.map((guess) => counts.count(truth, guess)));
  if (normalize === 'none') return { labels: rowLabels, matrix };
  const rowSums = matrix.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columnSums = rowLabels.map((_, column) => matrix.reduce((sum, row) => sum + row[column]!, 0));
  const total = rowSums.reduce((sum, value) => sum + value, 0);
  // 0/0 becomes 0, as sklearn's nan_to_num after the division.
  const normalized = matrix.map((row, rowIndex) =>
    row.map((value, columnIndex) => {
      const divisor =
        normalize === 'true' ? rowSums[rowIndex]! : normalize === 'pred' ? columnSums[columnIndex]! : total;
      return divisor === 0 ? 0 : value / divisor;
    }),
  );
  return { labels: rowLabels, matrix: normalized };
}

function createConfusionMatrix(options: ConfusionMatrixOptions = {}): Metric<ConfusionMatrix> {
  const labels = validateLabelsOption(options.labels);
  const normalize = validateChoice('normalize', options.normalize ?? 'none', NORMALIZATIONS);
  validateThreshold(options.threshold);
  const counts = new LabelPairCounts();
  return {
    name: options.name ?? 'confusionMatrix',
    update(predictions, targets) {
      const pairs = readLabelPairs(predictions, targets, options);
      counts.add(pairs.predicted, pairs.targets);
    },
    compute: () => confusionMatrixFromCounts(counts, labels, normalize),
    reset: () => counts.reset(),
  };
}

/**
 * The confusion matrix (scikit-learn's `confusion_matrix(y_true, y_pred)`), of one batch or,
 * through `confusionMatrix.create()`, streamed.
 *
 * @example
 * const metric = confusionMatrix.create();
 * metric.update(logits, targets); // logits [batch, classes] -> argmax
 * const { labels, matrix } = metric.compute();
 */
export const confusionMatrix: MetricFunction<ConfusionMatrixOptions, ConfusionMatrix> =
  defineMetric(createConfusionMatrix);
