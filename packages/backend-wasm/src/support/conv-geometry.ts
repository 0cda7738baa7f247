import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '@tessera/spec';

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

/** [b, h, w, c] → [b, (h−1)·sh + 1, (w−1)·sw + 1, c] with the values at multiples of the stride. */
export function upsampleWithZeros(x: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return x;
  const [batch, height, width, channels] = x.shape;
  const spread = tf.pad(tf.reshape(x, [batch, height, 1, width, 1, channels]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const grid = tf.reshape(spread, [batch, height * strideHeight, width * strideWidth, channels]) as tf.Tensor4D;
  return tf.slice(grid, [0, 0, 0, 0], [-1, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, -1]);
}

/** Adds rows/columns of zeros where an amount is positive and removes them where it is negative. */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const padded =
    top > 0 || bottom > 0 || left > 0 || right > 0
      ? tf.pad(x, [
          [0, 0],
          [Math.max(top, 0), Math.max(bottom, 0)],
          [Math.max(left, 0), Math.max(right, 0)],
          [0, 0],
        ])
      : x;
  if (top >= 0 && bottom >= 0 && left >= 0 && right >= 0) return padded;
  const height = (padded.shape[1] as number) + Math.min(top, 0) + Math.min(bottom, 0);
  const width = (padded.shape[2] as number) + Math.min(left, 0) + Math.min(right, 0);
  return tf.slice(padded, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [-1, height, width, -1]);
}
