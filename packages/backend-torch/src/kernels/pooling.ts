// 2-D max and average pooling on NHWC tensors through channels-last NCHW views (see
// convolution.ts). tfjs pads 'same' windows asymmetrically and excludes padding from averages;
// here padding is explicit (-inf for max, counted out for average) so any padding works.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { type Attributes, defineKernel } from './define-kernel.js';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

function poolInfo(shape: number[], attrs: Attributes): Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function explicitPadding(info: Conv2DInfo): number[] | undefined {
  const { top, bottom, left, right } = info.padInfo;
  return top + bottom + left + right === 0 ? undefined : [left, right, top, bottom];
}

const kernelOf = (info: Conv2DInfo) => [info.filterHeight, info.filterWidth];
const strideOf = (info: Conv2DInfo) => [info.strideHeight, info.strideWidth];

/** NHWC -> padded NCHW view of the pooled input. */
function paddedInput(backend: TorchBackend, x: tf.TensorInfo, info: Conv2DInfo, value: number): number {
  const nchw = backend.op('permute', '', [backend.idOf(x), [0, 3, 1, 2]]).id;
  const padding = explicitPadding(info);
  return padding === undefined ? nchw : backend.op('constant_pad_nd', '', [nchw, padding, value]).id;
}

const toNHWC = (backend: TorchBackend, tensor: NativeTensor) => backend.op('permute', '', [tensor.id, [0, 2, 3, 1]]);

/** The padded NCHW gradient cut back to the input's extent. */
function unpad(backend: TorchBackend, gradient: NativeTensor, info: Conv2DInfo): NativeTensor {
  if (explicitPadding(info) === undefined) return gradient;
  const { top, left } = info.padInfo;
  const rows = backend.op('slice', 'Tensor', [gradient.id, 2, top, top + info.inHeight, 1]);
  return backend.op('slice', 'Tensor', [rows.id, 3, left, left + info.inWidth, 1]);
}

/** How many real (unpadded) inputs each average window covers: [1, 1, outHeight, outWidth]. */
function windowCounts(backend: TorchBackend, info: Conv2DInfo): number {
  const ones = backend.op('ones', '', [[1, 1, info.inHeight, info.inWidth], 'float32', null, backend.device]);
  const padded = backend.op('constant_pad_nd', '', [ones.id, explicitPadding(info)!, 0]);
  return backend.op('avg_pool2d', '', [padded.id, kernelOf(info), strideOf(info), [0, 0], false, true, 1]).id;
}

defineKernel(tf.MaxPool, ({ inputs: { x }, attrs, backend }) => {
  const info = poolInfo(x!.shape, attrs);
  const input = paddedInput(backend, x!, info, Number.NEGATIVE_INFINITY);
  const pooled = backend.op('max_pool2d', '', [input, kernelOf(info), strideOf(info), [0, 0], [1, 1], false]);
  return backend.output(toNHWC(backend, pooled), x!.dtype);
});

defineKernel(tf.AvgPool, ({ inputs: { x }, attrs, backend }) => {
  const info = poolInfo(x!.shape, attrs);
  const input = paddedInput(backend, x!, info, 0);
  if (explicitPadding(info) === undefined) {
    const pooled = backend.op('avg_pool2d', '', [input, kernelOf(info), strideOf(info), [0, 0], false, true, null]);
    return backend.output(toNHWC(backend, pooled), 'float32');
  }
  const sums = backend.op('avg_pool2d', '', [input, kernelOf(info), strideOf(info), [0, 0], false, true, 1]);
  const averages = backend.op('div', 'Tensor', [sums.id, windowCounts(backend, info)]);
  return backend.output(toNHWC(backend, averages), 'float32');
});

defineKernel(tf.MaxPoolGrad, ({ inputs: { dy, input }, attrs, backend }) => {
  const info = poolInfo(input!.shape, attrs);
  const padded = paddedInput(backend, input!, info, Number.NEGATIVE_INFINITY);
  // Recompute which element won each window (the first maximum, as in tfjs).
  const [, indices] = backend.opMany('max_pool2d_with_indices', '', [
    padded,
    kernelOf(info),
    strideOf(info),
    [0, 0],
    [1, 1],
    false,
  ]);
  const dyNCHW = backend.op('permute', '', [backend.idOf(dy!), [0, 3, 1, 2]]);
  const gradient = backend.op('max_pool2d_with_indices_backward', '', [
    dyNCHW.id,
    padded,
    kernelOf(info),
    strideOf(info),
    [0, 0],
    [1, 1],
    false,
    indices!.id,
  ]);
  return backend.output(toNHWC(backend, unpad(backend, gradient, info)), 'float32');
});

defineKernel(tf.AvgPoolGrad, ({ inputs: { dy, input }, attrs, backend }) => {
  const info = poolInfo(input!.shape, attrs);
  const padded = paddedInput(backend, input!, info, 0);
  let dyNCHW = backend.op('permute', '', [backend.idOf(dy!), [0, 3, 1, 2]]);
  const divisor = explicitPadding(info) === undefined ? null : 1;
  if (divisor !== null) dyNCHW = backend.op('div', 'Tensor', [dyNCHW.id, windowCounts(backend, info)]);
  const gradient = backend.op('avg_pool2d_backward', '', [
    dyNCHW.id,
    padded,
    kernelOf(info),
    strideOf(info),
    [0, 0],
    false,
    true,
    divisor,
  ]);
  return backend.output(toNHWC(backend, unpad(backend, gradient, info)), 'float32');
});
