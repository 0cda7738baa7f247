import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from '../kernel-fill.js';
import { asTensor, correlationGeometry, padForWindows } from '../support/conv-geometry.js';

type Conv2DBackpropFilterAttrs = tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };

/**
 * The filter gradient of conv2d as a forward conv2d (see conv-geometry.ts): the padded input
 * with in-channels as the batch [inC, H, W, batch], correlated with dy as the filter
 * [outH, outW, batch, outC], gives [inC, FH, FW, outC]. Accepts an optional `dilations` attr
 * (tfjs's conv2d gradient does not pass one yet).
 */
export const conv2DBackpropFilterFill: KernelFill = {
  kernelName: tf.Conv2DBackpropFilter,
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape, dilations } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    return tf.tidy(() => {
      let input = asTensor<tf.Rank.R4>(x);
      let gradient = asTensor<tf.Rank.R4>(dy);
      // Native kernels may not handle zero-size tensors; nothing flows back through an empty conv.
      if (input.size === 0 || gradient.size === 0) return tf.zeros(filterShape);
      // Geometry from the original layout: explicit paddings are given in that layout's axis order.
      const convInfo = tf.backend_util.computeConv2DInfo(
        input.shape,
        filterShape,
        strides,
        dilations ?? 1,
        pad,
        dimRoundingMode,
        false,
        tf.backend_util.convertConv2DDataFormat(dataFormat),
      );
      if (dataFormat === 'NCHW') {
        input = tf.transpose(input, [0, 2, 3, 1]);
        gradient = tf.transpose(gradient, [0, 2, 3, 1]);
      }
      const correlation = correlationGeometry(convInfo);
      const inputByChannel = tf.transpose(padForWindows(input, convInfo), [3, 1, 2, 0]); // [inC, H, W, batch]
      const gradientAsFilter = tf.transpose(gradient, [1, 2, 0, 3]); // [outH, outW, batch, outC]
      const filterGradient = tf.conv2d(
        inputByChannel,
        gradientAsFilter,
        correlation.strides,
        'valid',
        'NHWC',
        correlation.dilations,
      ); // [inC, FH, FW, outC]
      return tf.transpose(filterGradient, [1, 2, 0, 3]); // [FH, FW, inC, outC]
    });
  },
};
