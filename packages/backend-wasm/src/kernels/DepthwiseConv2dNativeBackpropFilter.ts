import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from '../kernel-fill.js';
import { asTensor, correlationGeometry, padForWindows } from '../support/conv-geometry.js';

/**
 * The filter gradient of a depthwise conv as a forward depthwise conv (see conv-geometry.ts):
 * batch and channels fold together so that each (example, channel) pair is its own depthwise
 * channel — input [1, H, W, batch·C], dy as the filter [outH, outW, batch·C, multiplier] — and
 * the per-example results [FH, FW, batch, C, multiplier] are summed over the batch.
 */
export const depthwiseConv2dNativeBackpropFilterFill: KernelFill = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.DepthwiseConv2dNativeBackpropFilterInputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return tf.tidy(() => {
      const input = asTensor<tf.Rank.R4>(x);
      const gradient = asTensor<tf.Rank.R4>(dy);
      // Native kernels may not handle zero-size tensors; nothing flows back through an empty conv.
      if (input.size === 0 || gradient.size === 0) return tf.zeros(filterShape);
      const convInfo = tf.backend_util.computeConv2DInfo(
        input.shape,
        filterShape,
        strides,
        dilations,
        pad,
        dimRoundingMode,
        true,
      );
      const [filterHeight, filterWidth, channels, multiplier] = filterShape;
      const { batchSize, outHeight, outWidth } = convInfo;
      const correlation = correlationGeometry(convInfo);
      const padded = padForWindows(input, convInfo);
      const [, paddedHeight, paddedWidth] = padded.shape;
      const inputByExample = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [
        1,
        paddedHeight,
        paddedWidth,
        batchSize * channels,
      ]) as tf.Tensor4D; // [1, H, W, batch·C]
      const gradientAsFilter = tf.reshape(
        tf.transpose(tf.reshape(gradient, [batchSize, outHeight, outWidth, channels, multiplier]), [1, 2, 0, 3, 4]),
        [outHeight, outWidth, batchSize * channels, multiplier],
      ) as tf.Tensor4D; // [outH, outW, batch·C, multiplier]
      const perExample = tf.depthwiseConv2d(
        inputByExample,
        gradientAsFilter,
        correlation.strides,
        'valid',
        'NHWC',
        correlation.dilations,
      ); // [1, FH, FW, batch·C·multiplier]
      return tf.sum(tf.reshape(perExample, [filterHeight, filterWidth, batchSize, channels, multiplier]), 2);
    });
  },
};
