// Image resizing with tfjs's exact sampling rules (alignCorners, halfPixelCenters; see tfjs-backend-
// cpu's ResizeBilinear/ResizeNearestNeighbor). Bilinear resizing is separable and linear, so it is
// two small interpolation matrices applied by matmul: out = Wrows · x · Wcolumnsᵀ; its gradient is
// the transpose, dx = Wrowsᵀ · dy · Wcolumns. Nearest neighbour gathers rows and columns by index.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { defineKernel } from './define-kernel.js';

interface ResizeRule {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

function sizeRatio(oldSize: number, newSize: number, rule: ResizeRule): number {
  const corners = rule.alignCorners && newSize > 1;
  return (corners ? oldSize - 1 : oldSize) / (corners ? newSize - 1 : newSize);
}

/** [newSize, oldSize]: row i holds the weights output i gives each input position. */
function bilinearMatrix(oldSize: number, newSize: number, rule: ResizeRule): Float32Array {
  const ratio = sizeRatio(oldSize, newSize, rule);
  const matrix = new Float32Array(newSize * oldSize);
  for (let index = 0; index < newSize; index++) {
    const source = rule.halfPixelCenters ? ratio * (index + 0.5) - 0.5 : ratio * index;
    const floor = Math.max(0, Math.floor(source));
    const fraction = source - floor;
    const ceil = Math.min(oldSize - 1, Math.ceil(source));
    matrix[index * oldSize + floor]! += 1 - fraction;
    matrix[index * oldSize + ceil]! += fraction;
  }
  return matrix;
}

/** For each output position, the input position nearest neighbour sampling reads. */
function nearestIndices(oldSize: number, newSize: number, rule: ResizeRule): Int32Array {
  const ratio = sizeRatio(oldSize, newSize, rule);
  return Int32Array.from({ length: newSize }, (_, index) => {
    const source = rule.halfPixelCenters ? ratio * (index + 0.5) : ratio * index;
    const nearest = Math.min(oldSize - 1, rule.alignCorners ? Math.round(source) : Math.floor(source));
    return rule.halfPixelCenters ? Math.max(0, nearest) : nearest;
  });
}

/** x [batch, height, width, channels] -> Wrows · x · Wcolumnsᵀ, back in NHWC. */
function applyMatrices(
  backend: TorchBackend,
  x: number,
  rows: NativeTensor,
  columnsTransposed: NativeTensor,
): NativeTensor {
  const channelsFirst = backend.op('permute', '', [x, [0, 3, 1, 2]]); // [batch, channels, height, width]
  const resizedRows = backend.op('matmul', '', [rows.id, channelsFirst.id]); // [batch, channels, newHeight, width]
  const resized = backend.op('matmul', '', [resizedRows.id, columnsTransposed.id]); // [batch, channels, newHeight, newWidth]
  return backend.op('permute', '', [resized.id, [0, 2, 3, 1]]);
}

defineKernel(tf.ResizeBilinear, ({ inputs: { images }, attrs, backend }) => {
  const [, oldHeight, oldWidth] = images!.shape as [number, number, number, number];
  const [newHeight, newWidth] = attrs.size as [number, number];
  const rows = backend.constant(bilinearMatrix(oldHeight, newHeight, attrs as ResizeRule), [newHeight, oldHeight]);
  const columns = backend.constant(bilinearMatrix(oldWidth, newWidth, attrs as ResizeRule), [newWidth, oldWidth]);
  const columnsTransposed = backend.op('t', '', [columns.id]);
  let input = backend.idOf(images!);
  if (images!.dtype !== 'float32') input = backend.op('_to_copy', '', [input, 'float32']).id;
  return backend.output(applyMatrices(backend, input, rows, columnsTransposed), 'float32');
});

defineKernel(tf.ResizeBilinearGrad, ({ inputs: { images, dy }, attrs, backend }) => {
  const [, oldHeight, oldWidth] = images!.shape as [number, number, number, number];
  const [, newHeight, newWidth] = dy!.shape as [number, number, number, number];
  const rows = backend.constant(bilinearMatrix(oldHeight, newHeight, attrs as ResizeRule), [newHeight, oldHeight]);
  const columns = backend.constant(bilinearMatrix(oldWidth, newWidth, attrs as ResizeRule), [newWidth, oldWidth]);
  const rowsTransposed = backend.op('t', '', [rows.id]);
  return backend.output(applyMatrices(backend, backend.idOf(dy!), rowsTransposed, columns), 'float32');
});

defineKernel(tf.ResizeNearestNeighbor, ({ inputs: { images }, attrs, backend }) => {
  const [, oldHeight, oldWidth] = images!.shape as [number, number, number, number];
  const [newHeight, newWidth] = attrs.size as [number, number];
  const rows = backend.constant(nearestIndices(oldHeight, newHeight, attrs as ResizeRule), [newHeight]);
  const columns = backend.constant(nearestIndices(oldWidth, newWidth, attrs as ResizeRule), [newWidth]);
  const pickedRows = backend.op('index_select', '', [backend.idOf(images!), 1, rows.id]);
  return backend.output(backend.op('index_select', '', [pickedRows.id, 2, columns.id]), images!.dtype);
});

defineKernel(tf.ResizeNearestNeighborGrad, ({ inputs: { images, dy }, attrs, backend }) => {
  const [batch, oldHeight, oldWidth, channels] = images!.shape as [number, number, number, number];
  const [, newHeight, newWidth] = dy!.shape as [number, number, number, number];
  const rows = backend.constant(nearestIndices(oldHeight, newHeight, attrs as ResizeRule), [newHeight]);
  const columns = backend.constant(nearestIndices(oldWidth, newWidth, attrs as ResizeRule), [newWidth]);
  // Every output position sends its gradient back to the input it copied; repeats add up.
  const rowSums = backend.op('zeros', '', [[batch, oldHeight, newWidth, channels], 'float32', null, backend.device]);
  const byRow = backend.op('index_add', '', [rowSums.id, 1, rows.id, backend.idOf(dy!)]);
  const sums = backend.op('zeros', '', [[batch, oldHeight, oldWidth, channels], 'float32', null, backend.device]);
  return backend.output(backend.op('index_add', '', [sums.id, 2, columns.id, byRow.id]), 'float32');
});
