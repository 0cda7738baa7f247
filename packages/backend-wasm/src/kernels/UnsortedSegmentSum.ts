import * as tf from '@tensorflow/tfjs-core';
import type { KernelFill } from '../kernel-fill.js';
import { asTensor } from '../support/conv-geometry.js';

/**
 * UnsortedSegmentSum(x, segmentIds, numSegments)[s] = Σ_{i: segmentIds[i] = s} x[i].
 * It is the gradient of gather, so every embedding needs it. Built on the native ScatterNd,
 * which accumulates rows that share an index. Ids outside [0, numSegments) are dropped, as
 * TensorFlow does; they are filtered first because ScatterNd would write out of bounds.
 * segmentIds may have any shape that is a prefix of x's shape.
 */
export const unsortedSegmentSumFill: KernelFill = {
  kernelName: tf.UnsortedSegmentSum,
  kernelFunc: ({ inputs, attrs }) => {
    const { x, segmentIds } = inputs as unknown as tf.UnsortedSegmentSumInputs;
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    return tf.tidy(() => {
      const data = asTensor(x);
      const ids = asTensor(segmentIds);
      const rowCount = ids.size;
      const rowShape = data.shape.slice(ids.rank); // [...inner]
      let rows = tf.reshape(data, [rowCount, ...rowShape]); // [rows, ...inner]
      let indices = tf.reshape(tf.cast(ids, 'int32'), [rowCount, 1]); // [rows, 1]

      const idValues = indices.dataSync();
      let validCount = 0;
      for (let i = 0; i < idValues.length; i++) {
        const id = idValues[i] as number;
        if (id >= 0 && id < numSegments) validCount++;
      }
      if (validCount < rowCount) {
        const keep = new Int32Array(validCount);
        for (let i = 0, k = 0; i < idValues.length; i++) {
          const id = idValues[i] as number;
          if (id >= 0 && id < numSegments) keep[k++] = i;
        }
        const keepIndices = tf.tensor1d(keep, 'int32');
        rows = tf.gather(rows, keepIndices);
        indices = tf.gather(indices, keepIndices);
      }
      const outputShape = [numSegments, ...rowShape];
      if (validCount === 0) return tf.zeros(outputShape, data.dtype);
      // Integer sums go through float32 (exact below 2^24), which ScatterNd supports everywhere.
      const values = data.dtype === 'float32' ? rows : tf.cast(rows, 'float32');
      const summed = tf.scatterND(indices, values, outputShape);
      return data.dtype === 'float32' ? summed : tf.cast(summed, data.dtype);
    });
  },
};
