/**
 * Area under the ROC curve (scikit-learn's `roc_auc_score`), binary and multi-class one-vs-rest.
 *
 * The AUC is computed as the Mann–Whitney U statistic, which equals the trapezoidal area under
 * the ROC curve including ties (Hanley & McNeil 1982):
 *
 *   AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ · n₋)
 *
 * where R₊ is the sum of the (tie-averaged) ascending ranks of the positive samples' scores. A
 * positive and a negative with equal scores count one half, exactly as the diagonal segment that
 * sklearn's `roc_curve` + `auc` draws through a tied threshold.
 *
 * Exact AUC needs every score, so the streaming metric stores them all: O(samples × columns)
 * float64 memory. Use it on evaluation sets, not on unbounded streams.
 */
import { TesseraError } from '../errors.js';
import { defineMetric, type Metric, type MetricFunction, type MetricOptions } from './metric.js';
import { assertSameLength, assertSeenSamples, readLabels, readScores, validateChoice } from './metric-input.js';

/** How one-vs-rest AUCs combine: mean over classes, prevalence-weighted mean, or pooled. */
export type RocAucAverage = 'macro' | 'weighted' | 'micro';

export interface RocAucOptions extends MetricOptions {
  /** Multi-class only (binary has a single AUC). Default 'macro', as scikit-learn. */
  average?: RocAucAverage;
}

/** Binary AUC of `scores` against `positive` flags via tie-averaged ranks. */
export function binaryRocAuc(scores: Float64Array, positive: Uint8Array): number {
  const count = scores.length;
  const order = new Uint32Array(count);
  for (let index = 0; index < count; index++) order[index] = index;
  order.sort((a, b) => scores[a]! - scores[b]!);
  let positiveCount = 0;
  let positiveRankSum = 0;
  let start = 0;
  while (start < count) {
    let end = start + 1;
    while (end < count && scores[order[end]!] === scores[order[start]!]) end++;
    // Ranks start + 1 … end share their average.
    const averageRank = (start + 1 + end) / 2;
    for (let index = start; index < end; index++) {
      if (positive[order[index]!]) {
        positiveCount++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negativeCount = count - positiveCount;
  return (positiveRankSum - (positiveCount * (positiveCount + 1)) / 2) / (positiveCount * negativeCount);
}

/** Growable float64/int32 buffers, so streaming keeps every score without re-copying per batch. */
class ScoreStore {
  scores = new Float64Array(1024);
  labels = new Int32Array(1024);
  rows = 0;
  columns = 0;

  append(values: ArrayLike<number>, labels: Int32Array, columns: number): void {
    const rows = labels.length;
    const needed = (this.rows + rows) * columns;
    if (needed > this.scores.length) {
      const grown = new Float64Array(Math.max(needed, this.scores.length * 2));
      grown.set(this.scores.subarray(0, this.rows * columns));
      this.scores = grown;
    }
    if (this.rows + rows > this.labels.length) {
      const grown = new Int32Array(Math.max(this.rows + rows, this.labels.length * 2));
      grown.set(this.labels.subarray(0, this.rows));
      this.labels = grown;
    }
    for (let index = 0; index < rows * columns; index++) this.scores[this.rows * columns + index] = values[index]!;
    this.labels.set(labels, this.rows);
    this.rows += rows;
    this.columns = columns;
  }

  /** Column `column` of the stored scores as a compact array. */
  column(column: number): Float64Array {
    const result = new Float64Array(this.rows);
    for (let row = 0; row < this.rows; row++) result[row] = this.scores[row * this.columns + column]!;
    return result;
  }

  reset(): void {
    this.rows = 0;
    this.columns = 0;
  }
}

/** `np.allclose(1, rowSum)`: |1 − s| ≤ 1e-8 + 1e-5·|s|, the test sklearn applies to multi-class scores. */
function sumsToOne(sum: number): boolean {
  return Math.abs(1 - sum) <= 1e-8 + 1e-5 * Math.abs(sum);
}

function checkBatch(scores: ReturnType<typeof readScores>, labels: Int32Array): void {
  const { rows, columns, values } = scores;
  if (columns === 2) {
    // Two columns are [negative, positive] class probabilities: column j is class j.
    for (let row = 0; row < rows; row++) {
      if (labels[row]! > 1) {
        throw new TesseraError(
          'E_METRIC_INPUT_LABEL',
          `targets[${row}] is ${labels[row]} but with 2 score columns (class 0, class 1) targets must be 0 or 1`,
        );
      }
    }
  }
  if (columns >= 3) {
    for (let row = 0; row < rows; row++) {
      if (labels[row]! >= columns) {
        throw new TesseraError(
          'E_METRIC_INPUT_LABEL',
          `targets[${row}] is class ${labels[row]} but predictions have only ${columns} score columns (classes 0 … ${columns - 1})`,
        );
      }
      let sum = 0;
      for (let column = 0; column < columns; column++) sum += values[row * columns + column]!;
      if (!sumsToOne(sum)) {
        throw new TesseraError(
          'E_METRIC_INPUT_PROBABILITIES',
          `predictions[${row}] sums to ${sum}; multi-class ROC AUC needs class probabilities that sum to 1 (apply softmax to logits first, as scikit-learn requires)`,
        );
      }
    }
  }
}

function computeFromStore(store: ScoreStore, average: RocAucAverage): number {
  assertSeenSamples(store.rows, 'ROC AUC');
  const { rows, columns } = store;
  const labels = store.labels.subarray(0, rows);
  if (columns <= 2) {
    const present = [...new Set(labels)].sort((a, b) => a - b);
    if (present.length < 2) {
      throw new TesseraError(
        'E_METRIC_UNDEFINED',
        `ROC AUC is undefined when only one class is present in the targets (all ${rows} are class ${present[0]}); evaluate on data with both classes`,
      );
    }
    if (present.length > 2) {
      throw new TesseraError(
        'E_METRIC_INPUT_MULTICLASS',
        `targets contain ${present.length} classes (${present.join(', ')}) but predictions have one score column; pass class probabilities of shape [batch, classes] for one-vs-rest ROC AUC`,
      );
    }
    // One column: the larger label is positive (sklearn's label_binarize); two: class 1's column.
    const positiveLabel = columns === 1 ? present[1]! : 1;
    const positive = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) positive[row] = labels[row] === positiveLabel ? 1 : 0;
    return binaryRocAuc(store.column(columns - 1), positive);
  }
  const support = new Float64Array(columns);
  for (const label of labels) support[label]!++;
  const missing = [...support.keys()].filter((label) => support[label] === 0);
  if (missing.length > 0) {
    throw new TesseraError(
      'E_METRIC_UNDEFINED',
      `one-vs-rest ROC AUC is undefined for class ${missing.join(', ')}: it never occurs in the targets (all ${columns} classes must occur)`,
    );
  }
  if (average === 'micro') {
    // Pool every (sample, class) pair into one binary problem.
    const positive = new Uint8Array(rows * columns);
    for (let row = 0; row < rows; row++) positive[row * columns + labels[row]!] = 1;
    return binaryRocAuc(store.scores.slice(0, rows * columns), positive);
  }
  let weightedSum = 0;
  let weightSum = 0;
  for (let column = 0; column < columns; column++) {
    const positive = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) positive[row] = labels[row] === column ? 1 : 0;
    const weight = average === 'weighted' ? support[column]! : 1;
    weightedSum += weight * binaryRocAuc(store.column(column), positive);
    weightSum += weight;
  }
  return weightedSum / weightSum;
}

function createRocAuc(options: RocAucOptions = {}): Metric {
  const average = validateChoice('average', options.average ?? 'macro', ['macro', 'weighted', 'micro'] as const);
  const store = new ScoreStore();
  return {
    name: options.name ?? 'rocAuc',
    update(predictions, targets) {
      const scores = readScores(predictions, 'predictions');
      const labels = readLabels(targets, 'targets');
      assertSameLength(scores.rows, labels.length);
      // An empty batch adds nothing (and `[]` carries no column count to check).
      if (scores.rows === 0) return;
      if (scores.columns === 0) {
        throw new TesseraError(
          'E_METRIC_INPUT_SHAPE',
          `predictions have shape [${scores.rows}, 0]; pass at least one score column`,
        );
      }
      if (store.rows > 0 && scores.columns !== store.columns) {
        throw new TesseraError(
          'E_METRIC_INPUT_SHAPE',
          `predictions have ${scores.columns} score columns but earlier batches had ${store.columns}; every batch needs the same classes`,
        );
      }
      checkBatch(scores, labels);
      store.append(scores.values, labels, scores.columns);
    },
    compute: () => computeFromStore(store, average),
    reset: () => store.reset(),
  };
}

/**
 * ROC AUC (scikit-learn's `roc_auc_score(y_true, y_score, multi_class='ovr')`), of one batch or,
 * through `rocAuc.create()`, streamed. Predictions (scores or probabilities) decide the mode by
 * their shape:
 * - `[batch]` or `[batch, 1]`: binary; targets hold two class indices, the larger is positive;
 * - `[batch, 2]`: binary on column 1 (class 1's probability); targets are 0 or 1;
 * - `[batch, classes ≥ 3]`: one-vs-rest over classes; rows must sum to 1; targets in [0, classes).
 *
 * `compute` throws `E_METRIC_UNDEFINED` when a class needed for an AUC never occurs in the targets.
 */
export const rocAuc: MetricFunction<RocAucOptions> = defineMetric(createRocAuc);
