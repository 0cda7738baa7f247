import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../errors.js';

/** How per-element losses become the returned value, as in PyTorch. */
export type Reduction = 'mean' | 'sum' | 'none';

export function reduce(losses: tf.Tensor, reduction: Reduction = 'mean'): tf.Tensor {
  switch (reduction) {
    case 'mean':
      return tf.mean(losses);
    case 'sum':
      return tf.sum(losses);
    case 'none':
      return losses;
    default:
      throw new TesseraError(
        'E_LOSS_REDUCTION',
        `unknown reduction '${reduction as string}'; use 'mean', 'sum' or 'none'`,
      );
  }
}

export function assertSameShape(name: string, predictions: tf.Tensor, targets: tf.Tensor): void {
  if (!tf.util.arraysEqual(predictions.shape, targets.shape)) {
    throw new TesseraError(
      'E_LOSS_SHAPE',
      `${name}: predictions [${predictions.shape}] and targets [${targets.shape}] must have the same shape`,
    );
  }
}
