import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';
import { asTensor, padOrCrop, upsampleWithZeros } from '../support/conv-geometry.js';
import { sameToExplicit } from '../support/same-padding-correction.js';

/**
 * wasm's native Conv2DBackpropInput is 6–7× slower than its forward Conv2D on the same shapes
 * (conv2 of an MNIST CNN: ~170 ms against ~27 ms), and it is most of a CNN training step. The
 * input gradient is itself a forward convolution (the identity the depthwise fill uses too):
 * dy with stride−1 zeros inserted between rows and columns, padded by
 * (filter extent − 1 − forward padding), correlated at stride 1 with the filter flipped in space
 * and with its in/out channels swapped. NCHW stays on the native kernel.
 */
const forwardConvolutionOverride: KernelOverride = {
  kernelName: tf.Conv2DBackpropInput,
  purpose: 'speed',
  wrap: (native) => (parameters) => {
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      parameters.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW') return native(parameters);
    const { dy, filter } = parameters.inputs as unknown as tf.Conv2DBackpropInputInputs;
    return tf.tidy(() => {
      const weights = asTensor<tf.Rank.R4>(filter); // [filterHeight, filterWidth, in, out]
      const gradient = asTensor<tf.Rank.R4>(dy); // [batch, outHeight, outWidth, out]
      if (weights.size === 0 || gradient.size === 0) return tf.zeros(inputShape);
      const [filterHeight, filterWidth] = weights.shape;
      const { inHeight, inWidth, strideHeight, strideWidth, padInfo } = tf.backend_util.computeConv2DInfo(
        inputShape,
        weights.shape,
        strides,
        1,
        pad,
        dimRoundingMode,
      );
      // [batch, (outHeight−1)·strideHeight + 1, (outWidth−1)·strideWidth + 1, out]
      const upsampled = upsampleWithZeros(gradient, strideHeight, strideWidth);
      const top = filterHeight - 1 - padInfo.top;
      const left = filterWidth - 1 - padInfo.left;
      const bottom = inHeight + filterHeight - 1 - top - (upsampled.shape[1] as number);
      const right = inWidth + filterWidth - 1 - left - (upsampled.shape[2] as number);
      const padded = padOrCrop(upsampled, top, bottom, left, right);
      // [filterHeight, filterWidth, out, in]: flipped in space, channels swapped.
      const flipped = tf.transpose(tf.reverse(weights, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(padded, flipped, 1, 'valid'); // [batch, inHeight, inWidth, in]
    });
  },
};

/** The 'same'-padding correction first (the native kernel, used for NCHW, needs it), then the speed-up. */
export const conv2DBackpropInputOverrides: readonly KernelOverride[] = [
  sameToExplicit(tf.Conv2DBackpropInput, false, (inputs, attributes) => [
    (attributes as unknown as { inputShape: number[] }).inputShape,
    (inputs.filter as tf.TensorInfo).shape,
  ]),
  forwardConvolutionOverride,
];
