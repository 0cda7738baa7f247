import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';
import { fusedSoftmaxCrossEntropy, fusedSoftmaxCrossEntropyAvailable } from '../fused/softmax-cross-entropy.js';
import { assertSameShape, type Reduction, reduce } from './reduction.js';

export interface CrossEntropyOptions {
  /** Targets equal to this index contribute nothing (default -100, as PyTorch). */
  ignoreIndex?: number;
  /** ε in [0, 1): the target distribution is (1 − ε)·one-hot + ε/classes. */
  labelSmoothing?: number;
  /** A weight per class [classes]; 'mean' then divides by the summed weights of the targets. */
  classWeights?: tf.Tensor1D | number[];
  reduction?: Reduction;
}

/**
 * Cross-entropy from unnormalised logits [..., classes] against class indices [...] (int32),
 * with PyTorch's semantics for ignoreIndex, labelSmoothing, classWeights and reduction:
 *
 *   loss_i = (1 − ε)·w[y_i]·(−log p_i[y_i]) + (ε / C)·Σ_c w[c]·(−log p_i[c])     (ignored i: 0)
 *   'mean' = Σ_i loss_i / Σ_{i not ignored} w[y_i]                                 (w ≡ 1 without weights)
 *
 * Like PyTorch, a batch whose targets are all ignored has a 'mean' of NaN (0 / 0).
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  const classes = logits.shape[logits.rank - 1] as number;
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = options;
  if (targets.dtype !== 'int32') {
    throw new TesseraError(
      'E_LOSS_TARGETS',
      `crossEntropy expects int32 class indices, got ${targets.dtype}; use softCrossEntropy for probability targets`,
    );
  }
  if (!tf.util.arraysEqual(logits.shape.slice(0, -1), targets.shape)) {
    throw new TesseraError(
      'E_LOSS_SHAPE',
      `crossEntropy: logits [${logits.shape}] need targets of shape [${logits.shape.slice(0, -1)}], got [${targets.shape}]`,
    );
  }
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new TesseraError('E_LOSS_OPTION', `labelSmoothing must be in [0, 1), got ${labelSmoothing}`);
  }
  if (
    reduction === 'mean' &&
    labelSmoothing === 0 &&
    options.classWeights === undefined &&
    fusedSoftmaxCrossEntropyAvailable()
  ) {
    // The common case in one kernel forward and one backward where the backend has them (torch).
    return tf.tidy(() =>
      fusedSoftmaxCrossEntropy(tf.reshape(logits, [-1, classes]), tf.reshape(targets, [-1]), ignoreIndex),
    );
  }
  return tf.tidy(() => {
    const logProbabilities = tf.reshape(tf.logSoftmax(logits, -1), [-1, classes]); // [rows, C]
    const flatTargets = tf.reshape(targets, [-1]); // [rows]
    const kept = tf.notEqual(flatTargets, ignoreIndex); // [rows]
    const safeTargets = tf.where(kept, flatTargets, tf.zerosLike(flatTargets));
    const keptWeight = tf.cast(kept, 'float32');
    const weights =
      options.classWeights === undefined
        ? undefined
        : tf.tensor1d(
            Array.isArray(options.classWeights)
              ? options.classWeights
              : (options.classWeights.dataSync() as Float32Array),
          ); // [C]
    if (weights !== undefined && weights.size !== classes) {
      throw new TesseraError('E_LOSS_OPTION', `classWeights has ${weights.size} entries for ${classes} classes`);
    }
    const targetWeights = weights === undefined ? keptWeight : tf.mul(tf.gather(weights, safeTargets), keptWeight); // [rows]

    const oneHot = tf.oneHot(safeTargets, classes); // [rows, C]
    const negativeLogLikelihood = tf.neg(tf.sum(tf.mul(oneHot, logProbabilities), -1)); // [rows]
    let losses = tf.mul(negativeLogLikelihood, targetWeights);
    if (labelSmoothing > 0) {
      const weighted = weights === undefined ? logProbabilities : tf.mul(logProbabilities, weights);
      const smooth = tf.mul(tf.neg(tf.sum(weighted, -1)), keptWeight); // [rows]
      losses = tf.add(tf.mul(1 - labelSmoothing, losses), tf.mul(labelSmoothing / classes, smooth));
    }
    if (reduction === 'mean') return tf.div(tf.sum(losses), tf.sum(targetWeights));
    return reduce(tf.reshape(losses, targets.shape), reduction);
  });
}

/** Cross-entropy against target distributions [..., classes] (soft labels, distillation). */
export function softCrossEntropy(
  logits: tf.Tensor,
  targetProbabilities: tf.Tensor,
  reduction: Reduction = 'mean',
): tf.Tensor {
  assertSameShape('softCrossEntropy', logits, targetProbabilities);
  return tf.tidy(() => reduce(tf.neg(tf.sum(tf.mul(targetProbabilities, tf.logSoftmax(logits, -1)), -1)), reduction));
}
