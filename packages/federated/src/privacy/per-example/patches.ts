import { tf } from '@tessera/core';

export interface PatchGeometry {
  filterSize: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** As Conv2d stores it: 'valid', 'same', or tfjs's explicit [[0,0],[top,bottom],[left,right],[0,0]]. */
  padding: 'valid' | 'same' | tf.backend_util.ExplicitPadding;
}

/** Which way the features of a patch are ordered. */
export type PatchOrder = 'tapsThenChannels' | 'channelsThenTaps';

const identityFilters = new Map<string, tf.Tensor4D>();

/**
 * A filter [effectiveHeight, effectiveWidth, channels, outputs] that copies input tap t of
 * channel c to one output: with `depthwise`, to output t of channel c's group (tfjs's depthwise
 * layout); otherwise to output t · channels + c. Dilation is written into the filter (zeros
 * between taps), since tfjs refuses a stride and a dilation both above 1. Cached: it is a
 * constant of the layer's geometry.
 */
function identityFilter(geometry: PatchGeometry, channels: number, depthwise: boolean): tf.Tensor4D {
  const [filterHeight, filterWidth] = geometry.filterSize;
  const [dilationHeight, dilationWidth] = geometry.dilation;
  const key = [filterHeight, filterWidth, dilationHeight, dilationWidth, channels, depthwise].join(',');
  const cached = identityFilters.get(key);
  if (cached !== undefined && !cached.isDisposed) return cached;
  const height = (filterHeight - 1) * dilationHeight + 1;
  const width = (filterWidth - 1) * dilationWidth + 1;
  const taps = filterHeight * filterWidth;
  const outputs = depthwise ? taps : taps * channels;
  const values = new Float32Array(height * width * channels * outputs);
  for (let row = 0; row < filterHeight; row++) {
    for (let column = 0; column < filterWidth; column++) {
      const tap = row * filterWidth + column;
      const position = row * dilationHeight * width + column * dilationWidth;
      for (let channel = 0; channel < channels; channel++) {
        const output = depthwise ? tap : tap * channels + channel;
        values[(position * channels + channel) * outputs + output] = 1;
      }
    }
  }
  const filter = tf.keep(tf.tensor4d(values, [height, width, channels, outputs]));
  identityFilters.set(key, filter);
  return filter;
}

/**
 * The input patches each output pixel of a convolution reads (im2col, torch's `unfold`):
 * [batch, height, width, channels] → [batch, outHeight · outWidth, taps · channels], where
 * taps = filterHeight · filterWidth. A convolution is a matrix product of these patches with its
 * filter reshaped to [taps · channels, out], and so is its per-example weight gradient.
 *
 * The patches come from a convolution with a 0/1 filter, which runs on the backend's fast conv
 * kernels (per-tap strided slices are ~20× slower on wasm). With one channel that is a plain
 * convolution, in the filter's (tap, channel) order; with more, a depthwise one — taps ×
 * fewer multiply-adds than a plain one — whose features come in (channel, tap) order.
 */
export function extractPatches(
  input: tf.Tensor4D,
  geometry: PatchGeometry,
): { patches: tf.Tensor3D; order: PatchOrder } {
  return tf.tidy(() => {
    const [batch, , , channels] = input.shape;
    const depthwise = channels > 1;
    const filter = identityFilter(geometry, channels, depthwise);
    const patches = depthwise
      ? tf.depthwiseConv2d(input, filter, geometry.stride, geometry.padding)
      : tf.conv2d(input, filter, geometry.stride, geometry.padding);
    const [, outHeight, outWidth, features] = patches.shape;
    return {
      patches: tf.reshape(patches, [batch, outHeight * outWidth, features]) as tf.Tensor3D,
      order: (depthwise ? 'channelsThenTaps' : 'tapsThenChannels') as PatchOrder,
    };
  });
}

/**
 * Every example's filter gradient at once, for convolutions with one input channel per group
 * (a grayscale first layer, depthwise convolutions): [batch, filterHeight, filterWidth, 1, out].
 * Example b's gradient is its input cross-correlated with its output gradient (the conv's
 * filter backprop), so one depthwise convolution over the batch folded into channels computes
 * all of them — the grouped-convolution trick of PyTorch's expanded weights — without the
 * patches (on wasm ~5× faster than patches and a batched product for MNIST's first layer).
 * Undefined where it does not apply: more input channels per group (the depthwise filter would
 * repeat the gradients for each), or a stride and a dilation both above 1.
 */
export function perExampleFilterGradients(
  input: tf.Tensor4D,
  outputGradient: tf.Tensor4D,
  geometry: PatchGeometry,
  groups: number,
): tf.Tensor | undefined {
  const [batch, height, width, channels] = input.shape;
  const [filterHeight, filterWidth] = geometry.filterSize;
  const [strideHeight, strideWidth] = geometry.stride;
  const [dilationHeight, dilationWidth] = geometry.dilation;
  const strided = strideHeight > 1 || strideWidth > 1;
  const dilated = dilationHeight > 1 || dilationWidth > 1;
  if (channels !== groups || (strided && dilated)) return undefined;
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      [batch, height, width, channels],
      [(filterHeight - 1) * dilationHeight + 1, (filterWidth - 1) * dilationWidth + 1, channels, 1],
      geometry.stride,
      1,
      geometry.padding,
    );
    const { top, bottom, left, right } = info.padInfo;
    const [, outHeight, outWidth, outChannels] = outputGradient.shape;
    const multiplier = outChannels / channels;
    const padded = tf.pad(input, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    // Channel (b, c) of the image is example b's channel c; its filter is b's output gradient
    // for the out channels of group c: [outHeight, outWidth, batch · channels, multiplier].
    const images = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [
      1,
      padded.shape[1],
      padded.shape[2],
      batch * channels,
    ]);
    const filters = tf.reshape(tf.transpose(outputGradient, [1, 2, 0, 3]), [
      outHeight,
      outWidth,
      batch * channels,
      multiplier,
    ]);
    // Tap (kh, kw) reads the input at (oh·stride + kh·dilation): the output gradient acts as a
    // filter dilated by the stride, stepped by the dilation.
    const correlated = tf.depthwiseConv2d(
      images as tf.Tensor4D,
      filters as tf.Tensor4D,
      [dilationHeight, dilationWidth],
      'valid',
      'NHWC',
      [strideHeight, strideWidth],
    ); // [1, ≥ filterHeight, ≥ filterWidth, batch · out]
    const taps = tf.slice(correlated, [0, 0, 0, 0], [1, filterHeight, filterWidth, batch * outChannels]);
    const perExample = tf.transpose(tf.reshape(taps, [filterHeight, filterWidth, batch, outChannels]), [2, 0, 1, 3]);
    return tf.reshape(perExample, [batch, filterHeight, filterWidth, 1, outChannels]);
  });
}
