import { Module, TesseraError, tf } from '@tessera/core';

/**
 * Nearest-neighbour upsampling by an integer factor (torch.nn.Upsample(mode='nearest'), Keras's
 * UpSampling2D): every pixel becomes a factor × factor block. Written as a broadcast rather than
 * tf.image.resizeNearestNeighbor, whose gradient kernel the wasm backend lacks.
 */
export class Upsample2d extends Module<[tf.Tensor], tf.Tensor> {
  constructor(readonly scaleFactor = 2) {
    super();
    if (!Number.isInteger(scaleFactor) || scaleFactor < 1) {
      throw new TesseraError('E_LAYER_CONFIG', `Upsample2d scaleFactor must be a positive integer, got ${scaleFactor}`);
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4) {
      throw new TesseraError('E_LAYER_INPUT', `Upsample2d expects [batch, height, width, channels], got [${x.shape}]`);
    }
    if (this.scaleFactor === 1) return x;
    const [batch, height, width, channels] = x.shape as [number, number, number, number];
    const factor = this.scaleFactor;
    return tf.tidy(() => {
      const spread = tf.reshape(x, [batch, height, 1, width, 1, channels]);
      const blocks = tf.mul(spread, tf.ones([1, 1, factor, 1, factor, 1])); // [batch, H, f, W, f, C]
      return tf.reshape(blocks, [batch, height * factor, width * factor, channels]);
    });
  }
}
