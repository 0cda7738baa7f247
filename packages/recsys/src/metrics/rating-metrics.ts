import { TesseraError } from '@tessera/core';

function checkLengths(predictions: ArrayLike<number>, targets: ArrayLike<number>): void {
  if (predictions.length !== targets.length || predictions.length === 0) {
    throw new TesseraError(
      'E_RECSYS_METRIC',
      `predictions and targets need the same non-zero length, got ${predictions.length} and ${targets.length}`,
    );
  }
}

/** Root mean squared error √(Σ (r̂ − r)² / n), as Surprise's `accuracy.rmse`. */
export function rootMeanSquaredRatingError(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkLengths(predictions, targets);
  let sum = 0;
  for (let index = 0; index < predictions.length; index++)
    sum += ((predictions[index] as number) - (targets[index] as number)) ** 2;
  return Math.sqrt(sum / predictions.length);
}

/** Mean absolute error Σ |r̂ − r| / n, as Surprise's `accuracy.mae`. */
export function meanAbsoluteRatingError(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  checkLengths(predictions, targets);
  let sum = 0;
  for (let index = 0; index < predictions.length; index++)
    sum += Math.abs((predictions[index] as number) - (targets[index] as number));
  return sum / predictions.length;
}
