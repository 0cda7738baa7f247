/**
 * Precision, recall and F1 (scikit-learn's `precision_score`, `recall_score`, `f1_score` and
 * `precision_recall_fscore_support`), from per-class counts:
 *
 *   precision_c = TP_c / (TP_c + FP_c)     recall_c = TP_c / (TP_c + FN_c)
 *   F1_c = 2 · precision_c · recall_c / (precision_c + recall_c)     (0 when both are 0)
 *
 * Averages (sklearn's `average`): 'binary' reports the positive class only; 'micro' pools the
 * counts of all classes before dividing; 'macro' is the unweighted mean of per-class values;
 * 'weighted' weights each class by its support (number of targets of that class).
 *
 * Edge cases follow sklearn 1.2:
 * - A class with no predictions has precision `zeroDivision` (default 0; sklearn warns and uses 0),
 *   a class with no targets has recall `zeroDivision`.
 * - Classes present on only one side (only in targets, or only in predictions) still count: the
 *   default label set is the union of both sides.
 * - 'weighted' with zero total support returns `zeroDivision` for all three if nothing was predicted
 *   either, otherwise precision 0, recall `zeroDivision`, F1 0.
 * - 'binary' needs at most two classes present, and `positiveLabel` must be one of them when two
 *   are present.
 */
import { TesseraError } from '../errors.js';
import { LabelPairCounts, readLabelPairs } from './confusion-matrix.js';
import {
  defineMetric,
  type LabelReadingOptions,
  type Metric,
  type MetricFunction,
  type MetricOptions,
} from './metric.js';
import { assertSeenSamples, validateChoice, validateLabelsOption, validateThreshold } from './metric-input.js';

export type ClassificationAverage = 'binary' | 'micro' | 'macro' | 'weighted';

export interface PrecisionRecallOptions extends MetricOptions, LabelReadingOptions {
  /** Default `'binary'`, as scikit-learn; use 'macro', 'micro' or 'weighted' for more than two classes. */
  average?: ClassificationAverage;
  /** The class reported by `average: 'binary'`. Default 1. Ignored by the other averages. */
  positiveLabel?: number;
  /**
   * Classes to average over (not with 'binary'). Default: every class seen in targets or
   * predictions. Listed classes that never occur score `zeroDivision`; unlisted ones are left out
   * of the average (their samples still count as false positives/negatives of listed classes).
   */
  labels?: readonly number[];
  /** Value of a ratio whose denominator is 0. Default 0 (sklearn's 'warn', without the warning). */
  zeroDivision?: 0 | 1;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class values, as `precision_recall_fscore_support(average=None)`. */
export interface PrecisionRecallF1Support {
  labels: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  /** Number of targets of each class. */
  support: number[];
}

export type PrecisionRecallF1SupportOptions = Omit<PrecisionRecallOptions, 'average' | 'positiveLabel'>;

const AVERAGES: readonly ClassificationAverage[] = ['binary', 'micro', 'macro', 'weighted'];

interface ValidatedOptions {
  average: ClassificationAverage;
  positiveLabel: number;
  labels: readonly number[] | undefined;
  zeroDivision: 0 | 1;
}

function validateOptions(options: PrecisionRecallOptions): ValidatedOptions {
  const average = validateChoice('average', options.average ?? 'binary', AVERAGES);
  const positiveLabel = options.positiveLabel ?? 1;
  if (!Number.isInteger(positiveLabel) || positiveLabel < 0) {
    throw new TesseraError('E_METRIC_OPTION', `\`positiveLabel\` must be a class index, got ${positiveLabel}`);
  }
  const labels = validateLabelsOption(options.labels);
  if (labels && average === 'binary') {
    throw new TesseraError(
      'E_METRIC_OPTION',
      "`labels` has no effect with average 'binary' (which reports `positiveLabel` only); choose 'macro', 'micro' or 'weighted'",
    );
  }
  const zeroDivision = validateChoice('zeroDivision', options.zeroDivision ?? 0, [0, 1] as const);
  validateThreshold(options.threshold);
  return { average, positiveLabel, labels, zeroDivision };
}

function divide(numerator: number, denominator: number, zeroDivision: number): number {
  return denominator === 0 ? zeroDivision : numerator / denominator;
}

/** sklearn's F-beta with beta = 1: a zero denominator is replaced by 1, so F1 = 0 there. */
function f1FromRatios(precision: number, recall: number): number {
  const denominator = precision + recall;
  return (2 * precision * recall) / (denominator === 0 ? 1 : denominator);
}

/** Per-class values over `labels` (default: every class present). Internal. */
function perClass(counts: LabelPairCounts, labels: readonly number[], zeroDivision: number): PrecisionRecallF1Support {
  const result: PrecisionRecallF1Support = { labels: [...labels], precision: [], recall: [], f1: [], support: [] };
  for (const label of labels) {
    const truePositives = counts.truePositiveCount(label);
    const precision = divide(truePositives, counts.predictedCount(label), zeroDivision);
    const recall = divide(truePositives, counts.trueCount(label), zeroDivision);
    result.precision.push(precision);
    result.recall.push(recall);
    result.f1.push(f1FromRatios(precision, recall));
    result.support.push(counts.trueCount(label));
  }
  return result;
}

function mean(values: readonly number[], weights?: readonly number[]): number {
  let sum = 0;
  let weightSum = 0;
  for (let index = 0; index < values.length; index++) {
    const weight = weights ? weights[index]! : 1;
    sum += weight * values[index]!;
    weightSum += weight;
  }
  return sum / weightSum;
}

/** Averaged precision, recall and F1 from accumulated counts. Internal. */
function averagedFromCounts(counts: LabelPairCounts, options: ValidatedOptions): PrecisionRecallF1 {
  assertSeenSamples(counts.sampleCount, 'precision/recall/F1');
  const { average, zeroDivision } = options;
  const present = counts.presentLabels();
  let labels: readonly number[];
  if (average === 'binary') {
    if (present.length > 2) {
      throw new TesseraError(
        'E_METRIC_INPUT_MULTICLASS',
        `average 'binary' needs at most two classes but targets and predictions contain ${present.length} (${present.join(', ')}); choose average 'macro', 'micro' or 'weighted'`,
      );
    }
    if (!present.includes(options.positiveLabel) && present.length === 2) {
      throw new TesseraError(
        'E_METRIC_INPUT_LABEL',
        `positiveLabel ${options.positiveLabel} is not one of the classes present (${present.join(', ')}); set \`positiveLabel\``,
      );
    }
    labels = [options.positiveLabel];
  } else {
    labels = options.labels ?? present;
  }
  if (average === 'micro') {
    let truePositives = 0;
    let predicted = 0;
    let actual = 0;
    for (const label of labels) {
      truePositives += counts.truePositiveCount(label);
      predicted += counts.predictedCount(label);
      actual += counts.trueCount(label);
    }
    const precision = divide(truePositives, predicted, zeroDivision);
    const recall = divide(truePositives, actual, zeroDivision);
    return { precision, recall, f1: f1FromRatios(precision, recall) };
  }
  const values = perClass(counts, labels, zeroDivision);
  if (average === 'binary') return { precision: values.precision[0]!, recall: values.recall[0]!, f1: values.f1[0]! };
  if (average === 'weighted') {
    const supportSum = values.support.reduce((sum, value) => sum + value, 0);
    if (supportSum === 0) {
      const predictedSum = labels.reduce((sum, label) => sum + counts.predictedCount(label), 0);
      return predictedSum === 0
        ? { precision: zeroDivision, recall: zeroDivision, f1: zeroDivision }
        : { precision: 0, recall: zeroDivision, f1: 0 };
    }
    return {
      precision: mean(values.precision, values.support),
      recall: mean(values.recall, values.support),
      f1: mean(values.f1, values.support),
    };
  }
  return { precision: mean(values.precision), recall: mean(values.recall), f1: mean(values.f1) };
}

function createCountingMetric<Result>(
  name: string,
  options: LabelReadingOptions,
  compute: (counts: LabelPairCounts) => Result,
): Metric<Result> {
  const counts = new LabelPairCounts();
  return {
    name,
    update(predictions, targets) {
      const pairs = readLabelPairs(predictions, targets, options);
      counts.add(pairs.predicted, pairs.targets);
    },
    compute: () => compute(counts),
    reset: () => counts.reset(),
  };
}

function createPrecisionRecallF1(options: PrecisionRecallOptions = {}): Metric<PrecisionRecallF1> {
  const validated = validateOptions(options);
  return createCountingMetric(options.name ?? 'precisionRecallF1', options, (counts) =>
    averagedFromCounts(counts, validated),
  );
}

function createPrecision(options: PrecisionRecallOptions = {}): Metric {
  const validated = validateOptions(options);
  return createCountingMetric(
    options.name ?? 'precision',
    options,
    (counts) => averagedFromCounts(counts, validated).precision,
  );
}

function createRecall(options: PrecisionRecallOptions = {}): Metric {
  const validated = validateOptions(options);
  return createCountingMetric(
    options.name ?? 'recall',
    options,
    (counts) => averagedFromCounts(counts, validated).recall,
  );
}

function createF1(options: PrecisionRecallOptions = {}): Metric {
  const validated = validateOptions(options);
  return createCountingMetric(options.name ?? 'f1', options, (counts) => averagedFromCounts(counts, validated).f1);
}

function createPrecisionRecallF1Support(
  options: PrecisionRecallF1SupportOptions = {},
): Metric<PrecisionRecallF1Support> {
  const { labels, zeroDivision } = validateOptions({ ...options, average: 'macro' });
  return createCountingMetric(options.name ?? 'precisionRecallF1Support', options, (counts) => {
    assertSeenSamples(counts.sampleCount, 'precision/recall/F1');
    return perClass(counts, labels ?? counts.presentLabels(), zeroDivision);
  });
}

/** Precision, recall and F1 together, from one set of counts (one batch, or streamed by `.create()`). */
export const precisionRecallF1: MetricFunction<PrecisionRecallOptions, PrecisionRecallF1> =
  defineMetric(createPrecisionRecallF1);

/**
 * Precision: of the samples predicted as a class, the fraction that are that class
 * (scikit-learn's `precision_score(y_true, y_pred)`); `precision.create()` streams it.
 */
export const precision: MetricFunction<PrecisionRecallOptions> = defineMetric(createPrecision);

/**
 * Recall: of the samples of a class, the fraction predicted as that class (scikit-learn's
 * `recall_score(y_true, y_pred)`); `recall.create()` streams it.
 */
export const recall: MetricFunction<PrecisionRecallOptions> = defineMetric(createRecall);

/**
 * F1: the harmonic mean of precision and recall, per class, then averaged (scikit-learn's
 * `f1_score(y_true, y_pred)`); `f1.create()` streams it.
 */
export const f1: MetricFunction<PrecisionRecallOptions> = defineMetric(createF1);

/**
 * Per-class precision, recall, F1 and support (`precision_recall_fscore_support(average=None)`);
 * `precisionRecallF1Support.create()` streams them.
 */
export const precisionRecallF1Support: MetricFunction<PrecisionRecallF1SupportOptions, PrecisionRecallF1Support> =
  defineMetric(createPrecisionRecallF1Support);
