import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from './kernel-fill.js';
import { asTensor, groupTaps, padForWindows, windowsForTaps } from './window-patches.js';

/**
 * The filter gradient of a depthwise conv: each input channel c only meets output channels
 * c·multiplier + m, so per tap dW[tap, c, m] = Σ_rows window[row, c] · dy[row, c, m] — a broadcast
 * multiply and a sum over rows, done for a group of taps at a time.
 */
export const depthwiseConv2dBackpropFilterFill: KernelFill = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  kernelFunc: ({ inputs, attrs }) => {
    const { x, dy } = inputs as unknown as tf.DepthwiseConv2dNativeBackpropFilterInputs;
    const { strides, dilations, pad, dimRoundingMode, filterShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return tf.tidy(() => {
      const input = asTensor<tf.Rank.R4>(x);
      // Native kernels may not handle zero-size tensors; nothing flows back through an empty conv.
      if (input.size === 0 || asTensor(dy).size === 0) return tf.zeros(filterShape);
      const convInfo = tf.backend_util.computeConv2DInfo(
        input.shape,
        filterShape,
        strides,
        dilations,
        pad,
        dimRoundingMode,
        true,
      );
      const [, , channels, multiplier] = filterShape;
      const rows = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth;
      const gradient = tf.reshape(asTensor(dy), [rows, 1, channels, multiplier]);
      const padded = padForWindows(input, convInfo);
      const parts = groupTaps(convInfo, channels * multiplier).map((taps) =>
        tf.tidy(() => {
          const windows = tf.reshape(windowsForTaps(padded, convInfo, taps), [rows, taps.length, channels, 1]);
          return tf.sum(tf.mul(windows, gradient), 0); // [taps, C, multiplier]
        }),
      );
      const filterGradient = parts.length === 1 ? (parts[0] as tf.Tensor3D) : tf.concat(parts, 0);
      return tf.reshape(filterGradient, filterShape); // [FH, FW, C, multiplier]
    });
  },
};
