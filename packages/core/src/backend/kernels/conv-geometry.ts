import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';

/**
 * Filter gradients as forward correlations (the identity TensorFlow's own kernels use):
 *
 *   dW[fh, fw, ·] = Σ_{n, oh, ow} xPadded[n, oh·s + fh·d, ow·s + fw·d, ·] · dy[n, oh, ow, ·]
 *
 * is a correlation of the padded input with dy as the filter — dy's taps spaced by the forward
 * stride s (the correlation's dilation), output positions spaced by the forward dilation d (its
 * stride), and the batch as the contracted channel axis. The backend's native forward conv does
 * the work, so the gradient costs about what the forward pass costs.
 */

/** Pads (or crops) x [batch, height, width, channels] to exactly the rows and columns the conv reads. */
export function padForWindows(x: tf.Tensor4D, convInfo: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { padInfo, inHeight, inWidth } = convInfo;
  // Rows read by the last output row's last tap, counted from the top of the padded input.
  const neededHeight = (convInfo.outHeight - 1) * convInfo.strideHeight + convInfo.effectiveFilterHeight;
  const neededWidth = (convInfo.outWidth - 1) * convInfo.strideWidth + convInfo.effectiveFilterWidth;
  const bottom = neededHeight - padInfo.top - inHeight;
  const right = neededWidth - padInfo.left - inWidth;
  let padded = x;
  if (padInfo.top > 0 || padInfo.left > 0 || bottom > 0 || right > 0) {
    padded = tf.pad(x, [
      [0, 0],
      [padInfo.top, Math.max(bottom, 0)],
      [padInfo.left, Math.max(right, 0)],
      [0, 0],
    ]);
  }
  // 'valid' padding with a stride that does not divide evenly leaves unread rows at the end.
  if (bottom < 0 || right < 0) {
    padded = tf.slice(padded, [0, 0, 0, 0], [-1, neededHeight, neededWidth, -1]);
  }
  return padded;
}

/** The stride and dilation of the correlation that computes a filter gradient (they swap roles). */
export function correlationGeometry(convInfo: tf.backend_util.Conv2DInfo): {
  strides: [number, number];
  dilations: [number, number];
} {
  const strides: [number, number] = [convInfo.dilationHeight, convInfo.dilationWidth];
  const dilations: [number, number] = [convInfo.strideHeight, convInfo.strideWidth];
  if (strides.some((value) => value > 1) && dilations.some((value) => value > 1)) {
    // tfjs rejects such convolutions in the forward pass too, so no gradient can ask for one.
    throw new TesseraError(
      'E_KERNEL_UNSUPPORTED',
      `a filter gradient with both strides (${dilations}) and dilations (${strides}) above 1 is not supported; tfjs convolutions allow one or the other`,
    );
  }
  return { strides, dilations };
}

/** The kernel inputs are engine tensors; the type system only promises (optional) TensorInfo. */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo | undefined): tf.Tensor<R> {
  if (info === undefined) throw new Error('a kernel input the kernel requires is missing');
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}
