import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

/** Mean squared error: (ŷ − y)². */
export function meanSquaredErrorLoss(
  predictions: tf.Tensor,
  targets: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  assertSameShape('meanSquaredErrorLoss', predictions, targets);
  return tf.tidy(() => reduce(tf.squaredDifference(predictions, targets), reduction));
}

/** Mean absolute error (L1): |ŷ − y|. */
export function meanAbsoluteErrorLoss(
  predictions: tf.Tensor,
  targets: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  assertSameShape('meanAbsoluteErrorLoss', predictions, targets);
  return tf.tidy(() => reduce(tf.abs(tf.sub(predictions, targets)), reduction));
}

/** Huber: ½d² where |d| < δ, else δ·(|d| − ½δ) — PyTorch's HuberLoss (δ = 1 is SmoothL1). */
export function huberLoss(
  predictions: tf.Tensor,
  targets: tf.Tensor,
  delta = 1,
  reduction: Reduction = 'mean',
): tf.Tensor {
  assertSameShape('huberLoss', predictions, targets);
  if (!(delta > 0)) throw new TesseraError('E_LOSS_OPTION', `huberLoss delta must be positive, got ${delta}`);
  return tf.tidy(() => {
    const difference = tf.abs(tf.sub(predictions, targets));
    const quadratic = tf.mul(0.5, tf.square(difference));
    const linear = tf.mul(delta, tf.sub(difference, 0.5 * delta));
    return reduce(tf.where(tf.less(difference, delta), quadratic, linear), reduction);
  });
}

/** L2 penalty ½·λ·Σ‖w‖² over the given parameters (add it to the loss). */
export function l2Penalty(parameters: tf.Tensor[], strength: number): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5 * strength, tf.addN(parameters.map((p) => tf.sum(tf.square(p))))) as tf.Scalar);
}

/** L1 penalty λ·Σ|w| over the given parameters (add it to the loss). */
export function l1Penalty(parameters: tf.Tensor[], strength: number): tf.Scalar {
  return tf.tidy(() => tf.mul(strength, tf.addN(parameters.map((p) => tf.sum(tf.abs(p))))) as tf.Scalar);
}
