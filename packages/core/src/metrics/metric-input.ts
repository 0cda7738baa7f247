/**
 * Turning a `MetricInput` (tensor, nested array or typed array) into flat numbers plus a shape,
 * and the validation shared by every metric. Internal to `metrics/`: not exported by the package.
 *
 * Errors say which argument was wrong and where, so a bad batch fails here with a TesseraError
 * instead of producing NaN or an exception from deep inside tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import type { LabelReadingOptions, MetricInput, NestedNumberArray } from './metric.js';

/** Flat values in row-major order and the shape they came in. */
export interface NumericData {
  readonly values: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** A `[rows, columns]` view: rank-1 inputs have one column. */
export interface ScoreMatrix {
  readonly values: ArrayLike<number>;
  readonly rows: number;
  readonly columns: number;
}

/** Class indices are kept as int32, so they must fit in one. */
const MAX_LABEL = 2 ** 31 - 1;

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Reads any `MetricInput` into flat values and a shape. Does not create tensors. */
export function readNumeric(input: MetricInput, argument: string): NumericData {
  if (input instanceof tf.Tensor) {
    if (input.isDisposed) {
      throw new TesseraError(
        'E_METRIC_INPUT_DISPOSED',
        `${argument} is a disposed tensor; update the metric before disposing it`,
      );
    }
    if (input.dtype !== 'float32' && input.dtype !== 'int32' && input.dtype !== 'bool') {
      throw new TesseraError(
        'E_METRIC_INPUT_DTYPE',
        `${argument} has dtype ${input.dtype}; metrics read float32, int32 or bool tensors`,
      );
    }
    return { values: input.dataSync() as ArrayLike<number>, shape: input.shape };
  }
  if (ArrayBuffer.isView(input)) {
    return { values: input as ArrayLike<number>, shape: [(input as ArrayLike<number>).length] };
  }
  if (!Array.isArray(input)) {
    throw new TesseraError(
      'E_METRIC_INPUT_DTYPE',
      `${argument} is ${input === null ? 'null' : typeof input}; pass a tf.Tensor, a (nested) number array or a typed array`,
    );
  }
  return flattenNested(input as NestedNumberArray, argument);
}

function flattenNested(input: NestedNumberArray, argument: string): NumericData {
  // The shape is taken from the first element at each depth; every other element must match it.
  const shape: number[] = [];
  let probe: unknown = input;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const values: number[] = [];
  const visit = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new TesseraError(
          'E_METRIC_INPUT_DTYPE',
          `${argument}${path} is ${Array.isArray(node) ? 'an array' : typeof node}; expected a number (shape ${describeShape(shape)} from the first elements)`,
        );
      }
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TesseraError(
        'E_METRIC_INPUT_SHAPE',
        `${argument}${path} has ${Array.isArray(node) ? `length ${node.length}` : `a ${typeof node}`} but the first element implies shape ${describeShape(shape)}; ragged arrays are not supported`,
      );
    }
    for (let index = 0; index < node.length; index++) visit(node[index], depth + 1, `${path}[${index}]`);
  };
  visit(input, 0, '');
  return { values, shape };
}

/** Location of flat index `index` in `shape`, for messages: `[3][1]`. */
function describeIndex(index: number, shape: readonly number[]): string {
  const parts: number[] = [];
  let remainder = index;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    parts.unshift(size > 0 ? remainder % size : 0);
    remainder = size > 0 ? Math.floor(remainder / size) : 0;
  }
  return parts.map((part) => `[${part}]`).join('');
}

/** Throws E_METRIC_INPUT_NOT_FINITE at the first NaN or ±Infinity. */
export function assertFinite(data: NumericData, argument: string): void {
  const { values } = data;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) {
      throw new TesseraError(
        'E_METRIC_INPUT_NOT_FINITE',
        `${argument}${describeIndex(index, data.shape)} is ${value}; metrics need finite numbers (check for a diverged model or unmasked padding)`,
      );
    }
  }
}

/** Reads scores as `[rows, columns]`: rank 1 is one column, rank 2 is as given. Checks finiteness. */
export function readScores(input: MetricInput, argument: string): ScoreMatrix {
  const data = readNumeric(input, argument);
  if (data.shape.length !== 1 && data.shape.length !== 2) {
    throw new TesseraError(
      'E_METRIC_INPUT_SHAPE',
      `${argument} has shape ${describeShape(data.shape)}; expected [batch] or [batch, classes]`,
    );
  }
  assertFinite(data, argument);
  const rows = data.shape[0]!;
  return { values: data.values, rows, columns: data.shape.length === 2 ? data.shape[1]! : 1 };
}

/** Throws E_METRIC_INPUT_LABEL unless `value` is an integer class index in [0, 2^31). */
export function assertClassIndex(value: number, argument: string, position: string, hint = ''): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_LABEL) {
    throw new TesseraError(
      'E_METRIC_INPUT_LABEL',
      `${argument}${position} is ${value}, not a class index (an integer in [0, 2^31))${hint}`,
    );
  }
}

/**
 * Reads class indices, one per sample:
 * - `[batch]` or `[batch, 1]`: integer class indices, or with `threshold` binary scores;
 * - `[batch, classes]` (classes ≥ 2): the argmax of each row (scores, probabilities, logits or
 *   one-hot), taking the first maximum on ties as `np.argmax` does.
 */
export function readLabels(input: MetricInput, argument: string, options: LabelReadingOptions = {}): Int32Array {
  const scores = readScores(input, argument);
  const { values, rows, columns } = scores;
  const labels = new Int32Array(rows);
  if (columns === 1) {
    const { threshold } = options;
    for (let row = 0; row < rows; row++) {
      const value = values[row]!;
      if (threshold !== undefined) {
        labels[row] = value > threshold ? 1 : 0;
      } else {
        const hint =
          argument === 'predictions'
            ? '; pass integer class indices, scores of shape [batch, classes], or set `threshold` for binary scores'
            : '; pass integer class indices or one-hot rows of shape [batch, classes]';
        assertClassIndex(value, argument, `[${row}]`, hint);
        labels[row] = value;
      }
    }
    return labels;
  }
  if (columns === 0) {
    throw new TesseraError('E_METRIC_INPUT_SHAPE', `${argument} has shape [${rows}, 0]; it needs at least one column`);
  }
  if (options.threshold !== undefined) {
    throw new TesseraError(
      'E_METRIC_INPUT_SHAPE',
      `${argument} has shape [${rows}, ${columns}] but \`threshold\` applies to binary scores of shape [batch] or [batch, 1]; drop \`threshold\` to use the argmax`,
    );
  }
  for (let row = 0; row < rows; row++) {
    const offset = row * columns;
    let best = 0;
    for (let column = 1; column < columns; column++) {
      if (values[offset + column]! > values[offset + best]!) best = column;
    }
    labels[row] = best;
  }
  return labels;
}

/** Throws E_METRIC_INPUT_LENGTH when predictions and targets hold different numbers of samples. */
export function assertSameLength(predictionCount: number, targetCount: number, unit = 'samples'): void {
  if (predictionCount !== targetCount) {
    throw new TesseraError(
      'E_METRIC_INPUT_LENGTH',
      `predictions have ${predictionCount} ${unit} but targets have ${targetCount}; pass one target per prediction`,
    );
  }
}

/** Validates a `labels` option: a non-empty list of distinct class indices (order is kept). */
export function validateLabelsOption(labels: readonly number[] | undefined): readonly number[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new TesseraError('E_METRIC_OPTION', '`labels` must be a non-empty array of class indices');
  }
  const seen = new Set<number>();
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
      throw new TesseraError(
        'E_METRIC_OPTION',
        `\`labels\` contains ${label}; class indices are integers in [0, 2^31)`,
      );
    }
    if (seen.has(label)) throw new TesseraError('E_METRIC_OPTION', `\`labels\` lists class ${label} twice`);
    seen.add(label);
  }
  return [...labels];
}

/** Validates a `threshold` option. */
export function validateThreshold(threshold: number | undefined): void {
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new TesseraError('E_METRIC_OPTION', `\`threshold\` must be a finite number, got ${threshold}`);
  }
}

/** Throws E_METRIC_OPTION unless `value` is one of `allowed`. */
export function validateChoice<Choice extends string | number>(
  option: string,
  value: Choice,
  allowed: readonly Choice[],
): Choice {
  if (!allowed.includes(value)) {
    throw new TesseraError(
      'E_METRIC_OPTION',
      `\`${option}\` is ${JSON.stringify(value)}; choose one of ${allowed.map((choice) => JSON.stringify(choice)).join(', ')}`,
    );
  }
  return value;
}

/** Throws E_METRIC_UNDEFINED for `compute()` before any sample was seen. */
export function assertSeenSamples(count: number, metric: string): void {
  if (count === 0) {
    throw new TesseraError('E_METRIC_UNDEFINED', `${metric} is undefined before any samples; call update() first`);
  }
}
