// Gathers, scatters and friends. ATen index operators take int64 indices; tfjs gives int32, so
// indices are widened where an operator needs it (index_select and index_add accept int32).
import * as tf from '@tensorflow/tfjs-core';
import { defineKernel } from './define-kernel.js';

defineKernel(tf.GatherV2, ({ inputs: { x, indices }, attrs, backend }) => {
  if ((attrs.batchDims ?? 0) !== 0)
    throw new Error('GatherV2 with batchDims > 0 is not supported by the torch backend');
  const axis = tf.util.parseAxisParam(attrs.axis, x!.shape)[0]!;
  const flatIndices = backend.op('reshape', '', [backend.idOf(indices!), [-1]]);
  const gathered = backend.op('index_select', '', [backend.idOf(x!), axis, flatIndices.id]);
  // [...x.shape[:axis], ...indices.shape, ...x.shape[axis + 1:]]
  const shape = [...x!.shape.slice(0, axis), ...indices!.shape, ...x!.shape.slice(axis + 1)];
  return backend.output(backend.op('reshape', '', [gathered.id, shape]), x!.dtype);
});

defineKernel(tf.GatherNd, ({ inputs: { params, indices }, backend }) => {
  // indices [..., depth]: each row picks params[i0, i1, ..., i(depth-1)]
  const depth = indices!.shape[indices!.shape.length - 1]!;
  const wide = backend.op('_to_copy', '', [backend.idOf(indices!), 'int64']);
  const columns = Array.from({ length: depth }, (_, column) => backend.op('select', 'int', [wide.id, -1, column]).id);
  return backend.output(backend.op('index', 'Tensor', [backend.idOf(params!), columns]), params!.dtype);
});

// The gradient of gather (every embedding): sums rows of x into numSegments buckets.
defineKernel(tf.UnsortedSegmentSum, ({ inputs: { x, segmentIds }, attrs, backend }) => {
  const idRank = segmentIds!.shape.length;
  const rowShape = x!.shape.slice(idRank);
  const flatIds = backend.op('reshape', '', [backend.idOf(segmentIds!), [-1]]);
  const rows = backend.op('reshape', '', [backend.idOf(x!), [-1, ...rowShape]]);
  const zeros = backend.op('zeros', '', [[attrs.numSegments, ...rowShape], x!.dtype, null, backend.device]);
  return backend.output(backend.op('index_add', '', [zeros.id, 0, flatIds.id, rows.id]), x!.dtype);
});

defineKernel(tf.ScatterNd, ({ inputs: { indices, updates }, attrs, backend }) => {
  const shape: number[] = attrs.shape;
  const depth = indices!.shape[indices!.shape.length - 1]!;
  const wide = backend.op('_to_copy', '', [backend.idOf(indices!), 'int64']);
  const columns = Array.from({ length: depth }, (_, column) => backend.op('select', 'int', [wide.id, -1, column]).id);
  const zeros = backend.op('zeros', '', [shape, updates!.dtype, null, backend.device]);
  // accumulate=true: repeated indices add up, as tf.scatterND does.
  return backend.output(backend.op('index_put', '', [zeros.id, columns, backend.idOf(updates!), true]), updates!.dtype);
});

defineKernel(tf.TopK, ({ inputs: { x }, attrs, backend }) => {
  const [values, indices] = backend.opMany('topk', '', [backend.idOf(x!), attrs.k, -1, true, attrs.sorted ?? true]);
  return [backend.output(values!, x!.dtype), backend.output(indices!, 'int32')];
});

defineKernel(tf.OneHot, ({ inputs: { indices }, attrs, backend }) => {
  // Out-of-range indices (e.g. -1) give a row of offValue, as in tfjs.
  const classes = backend.op('arange', '', [attrs.depth, 'int32', null, backend.device]);
  const column = backend.op('unsqueeze', '', [backend.idOf(indices!), -1]);
  const hits = backend.op('eq', 'Tensor', [column.id, classes.id]); // [...indices.shape, depth]
  const dtype = attrs.dtype ?? 'int32';
  const on = backend.op('full', '', [[], attrs.onValue, dtype, null, backend.device]);
  const off = backend.op('full', '', [[], attrs.offValue, dtype, null, backend.device]);
  return backend.output(backend.op('where', 'self', [hits.id, on.id, off.id]), dtype);
});

// y = (x - mean) / sqrt(variance + epsilon) * scale + offset, broadcast over the last axis.
defineKernel(tf.FusedBatchNorm, ({ inputs: { x, mean, variance, offset, scale }, attrs, backend }) => {
  const centred = backend.op('sub', 'Tensor', [backend.idOf(x!), backend.idOf(mean!)]);
  const shifted = backend.op('add', 'Scalar', [backend.idOf(variance!), attrs.varianceEpsilon ?? 0.001]);
  let factor = backend.op('rsqrt', '', [shifted.id]);
  if (scale !== undefined) factor = backend.op('mul', 'Tensor', [factor.id, backend.idOf(scale)]);
  let result = backend.op('mul', 'Tensor', [centred.id, factor.id]);
  if (offset !== undefined) result = backend.op('add', 'Tensor', [result.id, backend.idOf(offset)]);
  return backend.output(result, 'float32');
});
