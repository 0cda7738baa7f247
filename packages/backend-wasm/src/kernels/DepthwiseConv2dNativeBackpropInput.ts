import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from '../kernel-fill.js';
import { asTensor, padOrCrop, upsampleWithZeros } from '../support/conv-geometry.js';

/**
 * The input gradient of a depthwise conv is itself a depthwise conv, run on the backend's native
 * kernel: dy with stride−1 zeros inserted between its rows and columns, padded by
 * (filter extent − 1 − forward padding), correlated with the spatially flipped filter at the
 * same dilation. Channel c·multiplier + m of that result is channel c's share through
 * multiplier m, so summing over m gives dx.
 *
 * Per axis: dx[i] = Σ_f dy[(i + padBefore − f·dilation) / stride] · w[f] over the f that divide
 * evenly — exactly a stride-1 correlation of the zero-upsampled dy with w reversed.
 * With stride s the upsampled dy has s² times as many positions, most of them zeros; strided
 * depthwise layers are few in practice, so the simplicity is worth it.
 */
export const depthwiseConv2dNativeBackpropInputFill: KernelFill = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  kernelFunc: ({ inputs, attrs }) => {
    const { dy, filter } = inputs as unknown as tf.DepthwiseConv2dNativeBackpropInputInputs;
    const { strides, dilations, pad, dimRoundingMode, inputShape } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return tf.tidy(() => {
      const weights = asTensor<tf.Rank.R4>(filter);
      // Native kernels may not handle zero-size tensors; nothing flows back through an empty conv.
      if (weights.size === 0 || asTensor(dy).size === 0) return tf.zeros(inputShape);
      const [filterHeight, filterWidth, channels, multiplier] = weights.shape;
      const convInfo = tf.backend_util.computeConv2DInfo(
        inputShape,
        weights.shape,
        strides,
        dilations,
        pad,
        dimRoundingMode,
        true,
      );
      const { batchSize, inHeight, inWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } =
        convInfo;

      // [batch, (outH−1)·strideH + 1, (outW−1)·strideW + 1, C·multiplier]
      const upsampled = upsampleWithZeros(asTensor<tf.Rank.R4>(dy), strideHeight, strideWidth);
      const top = (filterHeight - 1) * dilationHeight - padInfo.top;
      const left = (filterWidth - 1) * dilationWidth - padInfo.left;
      const bottom = inHeight + (filterHeight - 1) * dilationHeight - top - (upsampled.shape[1] as number);
      const right = inWidth + (filterWidth - 1) * dilationWidth - left - (upsampled.shape[2] as number);
      const padded = padOrCrop(upsampled, top, bottom, left, right);

      const flipped = tf.reshape(tf.reverse(weights, [0, 1]), [filterHeight, filterWidth, channels * multiplier, 1]);
      const perMultiplier = tf.depthwiseConv2d(padded, flipped as tf.Tensor4D, 1, 'valid', 'NHWC', [
        dilationHeight,
        dilationWidth,
      ]);
      if (multiplier === 1) return perMultiplier; // [batch, H, W, C]
      return tf.sum(tf.reshape(perMultiplier, [batchSize, inHeight, inWidth, channels, multiplier]), 4);
    });
  },
};
