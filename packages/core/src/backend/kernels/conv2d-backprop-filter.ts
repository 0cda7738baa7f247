import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from './kernel-fill.js';
import { asTensor, groupTaps, padForWindows, windowsForTaps } from './window-patches.js';

type Conv2DBackpropFilterAttrs = tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };

/**
 * The filter gradient of conv2d, dW = Σ over batch and output positions of window ⊗ dy, as one
 * matMul per group of filter taps: dyᵀ [outC, rows] × windows [rows, taps·inC].
 * Transposing dy once up front keeps every matMul untransposed (transposed matMul is slow on wasm).
 * Accepts an optional `dilations` attr (tfjs's conv2d gradient does not pass one yet).
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
      // Native kernels may not handle zero-size tensors; nothing flows back through an empty conv.
      if (input.size === 0 || gradient.size === 0) return tf.zeros(filterShape);
      if (dataFormat === 'NCHW') {
        input = tf.transpose(input, [0, 2, 3, 1]);
        gradient = tf.transpose(gradient, [0, 2, 3, 1]);
      }
      const [, , inChannels, outChannels] = filterShape;
      const rows = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth;
      const dyTransposed = tf.transpose(tf.reshape(gradient, [rows, outChannels])); // [outC, rows]
      const padded = padForWindows(input, convInfo);
      const parts = groupTaps(convInfo, inChannels).map((taps) =>
        tf.tidy(() => {
          const windows = tf.reshape(windowsForTaps(padded, convInfo, taps), [rows, taps.length * inChannels]);
          return tf.matMul(dyTransposed, windows); // [outC, taps·inC]
        }),
      );
      const transposedGradient = parts.length === 1 ? (parts[0] as tf.Tensor2D) : tf.concat(parts, 1); // [outC, FH·FW·inC]
      return tf.reshape(tf.transpose(transposedGradient), filterShape); // [FH, FW, inC, outC]
    });
  },
};
