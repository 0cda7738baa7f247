import * as tf from '@tensorflow/tfjs-core';

/**
 * Convolution backprops as "one strided slice per filter tap + a native contraction".
 *
 * For filter tap (fh, fw), the input values that tap saw form a strided window of the padded
 * input: rows fh·dilation + oh·stride for every output row oh. Slicing that window gives a
 * tensor aligned with dy, so a tap's gradient is a contraction of two aligned tensors — work the
 * backend's native matMul / multiply / sum kernels do fast, with no per-element JavaScript.
 */

/** Pads (or crops) x [batch, height, width, channels] so every tap's window is in bounds. */
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

/** The window tap (filterRow, filterColumn) reads: [batch, outHeight, outWidth, channels]. */
export function windowForTap(
  padded: tf.Tensor4D,
  convInfo: tf.backend_util.Conv2DInfo,
  filterRow: number,
  filterColumn: number,
): tf.Tensor4D {
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, outHeight, outWidth } = convInfo;
  const top = filterRow * dilationHeight;
  const left = filterColumn * dilationWidth;
  if (strideHeight === 1 && strideWidth === 1) {
    return tf.slice(padded, [0, top, left, 0], [-1, outHeight, outWidth, -1]);
  }
  return tf.stridedSlice(
    padded,
    [0, top, left, 0],
    [
      padded.shape[0],
      top + (outHeight - 1) * strideHeight + 1,
      left + (outWidth - 1) * strideWidth + 1,
      padded.shape[3],
    ],
    [1, strideHeight, strideWidth, 1],
  ) as tf.Tensor4D;
}

/**
 * Groups the filter taps in row-major order so that one group's windows, concatenated along
 * channels, hold at most `elementBudget` values: few large contractions, bounded memory.
 */
export function groupTaps(
  convInfo: tf.backend_util.Conv2DInfo,
  channels: number,
  elementBudget = 1 << 23,
): number[][][] {
  const windowSize = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth * channels;
  const tapsPerGroup = Math.max(1, Math.floor(elementBudget / Math.max(windowSize, 1)));
  const taps: number[][] = [];
  for (let row = 0; row < convInfo.filterHeight; row++) {
    for (let column = 0; column < convInfo.filterWidth; column++) taps.push([row, column]);
  }
  const groups: number[][][] = [];
  for (let start = 0; start < taps.length; start += tapsPerGroup) groups.push(taps.slice(start, start + tapsPerGroup));
  return groups;
}

/** The windows of a group of taps, concatenated along channels: [batch, outH, outW, taps·channels]. */
export function windowsForTaps(
  padded: tf.Tensor4D,
  convInfo: tf.backend_util.Conv2DInfo,
  taps: number[][],
): tf.Tensor4D {
  const windows = taps.map(([row, column]) => windowForTap(padded, convInfo, row as number, column as number));
  return windows.length === 1 ? (windows[0] as tf.Tensor4D) : tf.concat(windows, 3);
}

/** The kernel inputs are engine tensors; the type system only promises (optional) TensorInfo. */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo | undefined): tf.Tensor<R> {
  if (info === undefined) throw new Error('a kernel input the kernel requires is missing');
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}
