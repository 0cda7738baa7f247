import * as tf from '@tensorflow/tfjs-core';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

export interface BinaryCrossEntropyOptions {
  /** Weight of positive examples, per class or shared (PyTorch's pos_weight). */
  positiveWeight?: number | tf.Tensor;
  reduction?: Reduction;
}

/**
 * Binary cross-entropy from logits, computed stably (never forms log(σ(x)) directly):
 *   loss = (1 − y)·x + (1 + (p − 1)·y)·(log(1 + e^(−|x|)) + max(−x, 0))
 * which is −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], PyTorch's BCEWithLogitsLoss.
 */
export function binaryCrossEntropyWithLogits(
  logits: tf.Tensor,
  targets: tf.Tensor,
  options: BinaryCrossEntropyOptions = {},
): tf.Tensor {
  assertSameShape('binaryCrossEntropyWithLogits', logits, targets);
  return tf.tidy(() => {
    const y = tf.cast(targets, 'float32');
    const softplusOfNegative = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))), tf.relu(tf.neg(logits))); // −log σ(x)
    const positiveWeight = options.positiveWeight ?? 1;
    const scale = tf.add(1, tf.mul(tf.sub(positiveWeight, 1), y));
    const losses = tf.add(tf.mul(tf.sub(1, y), logits), tf.mul(scale, softplusOfNegative));
    return reduce(losses, options.reduction);
  });
}
