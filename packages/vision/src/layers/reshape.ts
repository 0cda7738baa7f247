import { Module, tf } from '@tessera/core';

/** [batch, ...] → [batch, ...shape] (Keras's Reshape; the batch axis is kept). */
export class Reshape extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly shape: readonly number[]) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0] as number, ...this.shape]);
  }
}
