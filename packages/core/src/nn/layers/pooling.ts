import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';
import { type Pair, pair } from './convolution.js';

/** Pads [batch, H, W, C] symmetrically by [padH, padW] with `value`. */
function padImage(x: tf.Tensor4D, [padHeight, padWidth]: [number, number], value: number): tf.Tensor4D {
  if (padHeight === 0 && padWidth === 0) return x;
  return tf.pad(
    x,
    [
      [0, 0],
      [padHeight, padHeight],
      [padWidth, padWidth],
      [0, 0],
    ],
    value,
  );
}

/** Kernel, stride (default: the kernel) and symmetric padding, as torch's pooling layers take them. */
abstract class Pool2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];

  constructor(kernelSize: Pair, options: { stride?: Pair; padding?: Pair } = {}) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(options.stride ?? kernelSize);
    this.padding = pair(options.padding ?? 0);
  }
}

/** Max pooling over NHWC images, as torch.nn.MaxPool2d: padding is −∞, so it never wins. */
export class MaxPool2d extends Pool2d {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.maxPool(
        padImage(x as tf.Tensor4D, this.padding, Number.NEGATIVE_INFINITY),
        this.kernelSize,
        this.stride,
        'valid',
      ),
    );
  }
}

/**
 * Average pooling over NHWC images, as torch.nn.AvgPool2d with its default count_include_pad:
 * zero padding counts toward each window's average.
 */
export class AvgPool2d extends Pool2d {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.avgPool(padImage(x as tf.Tensor4D, this.padding, 0), this.kernelSize, this.stride, 'valid'),
    );
  }
}

/** [batch, H, W, C] → [batch, C]: the mean over all positions. */
export class GlobalAveragePooling2d extends Module<[tf.Tensor], tf.Tensor> {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
}
