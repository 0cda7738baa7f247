/**
 * Regression metrics, as scikit-learn 1.2 computes them with its default
 * `multioutput='uniform_average'` (each output scored separately, then the plain mean):
 *
 *   MSE  = (1/n) Σ (ŷ − y)²                      (`mean_squared_error`)
 *   RMSE = √MSE, per output, then averaged       (`mean_squared_error(squared=False)`)
 *   MAE  = (1/n) Σ |ŷ − y|                       (`mean_absolute_error`)
 *   R²   = 1 − Σ (y − ŷ)² / Σ (y − ȳ)²           (`r2_score`)
 *
 * R² edge cases as sklearn's `force_finite=True`: a perfect fit scores 1 (even for constant
 * targets); imperfect predictions of constant targets score 0 instead of −∞.
 *
 * The target variance term is accumulated with Welford's online update (Welford 1962), one sample
 * at a time, so streaming in batches neither loses precision to Σy² − nȳ² cancellation nor
 * depends on where batches split.
 */
import { TesseraError } from '../errors.js';
import { defineMetric, type Metric, type MetricFunction, type MetricInput, type MetricOptions } from './metric.js';
import { assertFinite, assertSameLength, assertSeenSamples, type NumericData, readNumeric } from './metric-input.js';

/** Shape as [samples, outputs]: `[n]` and `[n, 1]` are both one output. */
function asMatrix(data: NumericData, argument: string): { rows: number; outputs: number } {
  if (data.shape.length === 1) return { rows: data.shape[0]!, outputs: 1 };
  if (data.shape.length === 2 && data.shape[1]! > 0) return { rows: data.shape[0]!, outputs: data.shape[1]! };
  throw new TesseraError(
    'E_METRIC_INPUT_SHAPE',
    `${argument} has shape [${data.shape.join(', ')}]; regression metrics take [batch] or [batch, outputs]`,
  );
}

/** Per-output sums over every sample seen. Internal. */
class RegressionAccumulator {
  outputs = 0;
  count = 0;
  squaredErrorSum = new Float64Array(0);
  absoluteErrorSum = new Float64Array(0);
  targetMean = new Float64Array(0);
  /** Σ (y − ȳ)² so far (Welford's M2). */
  targetSquaredDeviationSum = new Float64Array(0);

  update(predictions: MetricInput, targets: MetricInput): void {
    const predicted = readNumeric(predictions, 'predictions');
    const actual = readNumeric(targets, 'targets');
    const predictedShape = asMatrix(predicted, 'predictions');
    const actualShape = asMatrix(actual, 'targets');
    assertSameLength(predictedShape.rows, actualShape.rows);
    if (predictedShape.outputs !== actualShape.outputs) {
      throw new TesseraError(
        'E_METRIC_INPUT_SHAPE',
        `predictions have ${predictedShape.outputs} outputs per sample but targets have ${actualShape.outputs}`,
      );
    }
    const { outputs } = actualShape;
    // An empty batch adds nothing (and `[]` carries no output count to check).
    if (actualShape.rows === 0) return;
    if (this.count > 0 && outputs !== this.outputs) {
      throw new TesseraError(
        'E_METRIC_INPUT_SHAPE',
        `this batch has ${outputs} outputs per sample but earlier batches had ${this.outputs}`,
      );
    }
    assertFinite(predicted, 'predictions');
    assertFinite(actual, 'targets');
    if (this.count === 0) this.allocate(outputs);
    for (let row = 0; row < actualShape.rows; row++) {
      const count = this.count + 1;
      for (let output = 0; output < outputs; output++) {
        const index = row * outputs + output;
        const target = actual.values[index]!;
        const error = predicted.values[index]! - target;
        this.squaredErrorSum[output]! += error * error;
        this.absoluteErrorSum[output]! += Math.abs(error);
        const delta = target - this.targetMean[output]!;
        this.targetMean[output]! += delta / count;
        this.targetSquaredDeviationSum[output]! += delta * (target - this.targetMean[output]!);
      }
      this.count = count;
    }
  }

  private allocate(outputs: number): void {
    this.outputs = outputs;
    this.squaredErrorSum = new Float64Array(outputs);
    this.absoluteErrorSum = new Float64Array(outputs);
    this.targetMean = new Float64Array(outputs);
    this.targetSquaredDeviationSum = new Float64Array(outputs);
  }

  /** The uniform mean over outputs of `score(output)`. */
  averageOverOutputs(metric: string, score: (output: number) => number): number {
    assertSeenSamples(this.count, metric);
    let sum = 0;
    for (let output = 0; output < this.outputs; output++) sum += score(output);
    return sum / this.outputs;
  }

  reset(): void {
    this.count = 0;
    this.outputs = 0;
  }
}

function createRegressionMetric(name: string, compute: (accumulator: RegressionAccumulator) => number): Metric {
  const accumulator = new RegressionAccumulator();
  return {
    name,
    update: (predictions, targets) => accumulator.update(predictions, targets),
    compute: () => compute(accumulator),
    reset: () => accumulator.reset(),
  };
}

const meanSquared = (accumulator: RegressionAccumulator) =>
  accumulator.averageOverOutputs(
    'mean squared error',
    (output) => accumulator.squaredErrorSum[output]! / accumulator.count,
  );

function createMeanSquaredError(options: MetricOptions = {}): Metric {
  return createRegressionMetric(options.name ?? 'meanSquaredError', meanSquared);
}

function createRootMeanSquaredError(options: MetricOptions = {}): Metric {
  return createRegressionMetric(options.name ?? 'rootMeanSquaredError', (accumulator) =>
    accumulator.averageOverOutputs('root mean squared error', (output) =>
      Math.sqrt(accumulator.squaredErrorSum[output]! / accumulator.count),
    ),
  );
}

function createMeanAbsoluteError(options: MetricOptions = {}): Metric {
  return createRegressionMetric(options.name ?? 'meanAbsoluteError', (accumulator) =>
    accumulator.averageOverOutputs(
      'mean absolute error',
      (output) => accumulator.absoluteErrorSum[output]! / accumulator.count,
    ),
  );
}

function createR2Score(options: MetricOptions = {}): Metric {
  return createRegressionMetric(options.name ?? 'r2', (accumulator) => {
    if (accumulator.count === 1) {
      throw new TesseraError('E_METRIC_UNDEFINED', 'R² is undefined for a single sample; it needs at least two');
    }
    return accumulator.averageOverOutputs('R²', (output) => {
      const residual = accumulator.squaredErrorSum[output]!;
      const total = accumulator.targetSquaredDeviationSum[output]!;
      if (residual === 0) return 1;
      if (total === 0) return 0;
      return 1 - residual / total;
    });
  });
}

/**
 * Mean squared error (`mean_squared_error(y_true, y_pred)`); `meanSquaredError.create()` streams it.
 * Predictions and targets: `[batch]` or `[batch, outputs]`. The training loss is
 * `meanSquaredErrorLoss` (tensors in, a differentiable tensor out); this is the evaluation metric.
 */
export const meanSquaredError: MetricFunction = defineMetric(createMeanSquaredError);

/**
 * Root mean squared error (`mean_squared_error(y_true, y_pred, squared=False)`); for several
 * outputs the mean of each output's RMSE, as sklearn. `.create()` streams it.
 */
export const rootMeanSquaredError: MetricFunction = defineMetric(createRootMeanSquaredError);

/** Mean absolute error (`mean_absolute_error(y_true, y_pred)`); `.create()` streams it. */
export const meanAbsoluteError: MetricFunction = defineMetric(createMeanAbsoluteError);

/**
 * Coefficient of determination R² (`r2_score(y_true, y_pred)`); `r2Score.create()` streams it.
 * Note the argument order (predictions, targets): the reverse of sklearn's, and R² is not symmetric.
 *
 * Throws `E_METRIC_UNDEFINED` with fewer than two samples (sklearn warns and returns NaN).
 */
export const r2Score: MetricFunction = defineMetric(createR2Score);
