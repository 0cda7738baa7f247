// 2-D convolutions. tfjs is NHWC with HWIO filters; ATen is NCHW with OIHW weights. Permuting an
// NHWC tensor to NCHW is a free view with channels-last strides, which ATen's convolutions run on
// directly, and the result permutes back to NHWC as a view too: no layout copies of activations.
// Padding ATen cannot express (asymmetric 'same' padding) is applied to the input explicitly.
// Under bf16-mixed the convolutions and their gradients read bfloat16 copies of the input, the
// filter and dy (mixed-precision.ts); results come back float32, a bias other than ATen's inline
// one and the activation apply in float32.
import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensor, TorchBackend } from '../torch-backend.js';
import { applyActivation } from './activation.js';
import { type Attributes, defineKernel } from './define-kernel.js';
import { asFloat32, productDtype, productOperand } from './mixed-precision.js';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function channelsLast(attrs: Attributes): boolean {
  return (attrs.dataFormat ?? 'NHWC') === 'NHWC';
}

/** [batch, channels, height, width] view of an activation in either tfjs layout. */
function toNCHW(backend: TorchBackend, info: tf.TensorInfo, attrs: Attributes): number {
  const id = productOperand(backend, info);
  return channelsLast(attrs) ? backend.op('permute', '', [id, NHWC_TO_NCHW]).id : id;
}

function fromNCHW(backend: TorchBackend, tensor: NativeTensor, attrs: Attributes): NativeTensor {
  return channelsLast(attrs) ? backend.op('permute', '', [tensor.id, NCHW_TO_NHWC]) : tensor;
}

function isSymmetric(convInfo: Conv2DInfo): boolean {
  const { top, bottom, left, right } = convInfo.padInfo;
  return top === bottom && left === right;
}

/** ATen's padding argument, and the explicit pad ([left, right, top, bottom]) when asymmetric. */
function paddingFor(convInfo: Conv2DInfo): { padding: number[]; explicit: number[] | undefined } {
  const { top, bottom, left, right } = convInfo.padInfo;
  if (isSymmetric(convInfo)) return { padding: [top, left], explicit: undefined };
  return { padding: [0, 0], explicit: [left, right, top, bottom] };
}

/** HWIO filter -> OIHW weight; depthwise [h, w, in, multiplier] -> [in * multiplier, 1, h, w]. */
function weightFrom(backend: TorchBackend, filter: tf.TensorInfo, depthwise: boolean): number {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const id = productOperand(backend, filter);
  if (!depthwise) return backend.op('permute', '', [id, [3, 2, 0, 1]]).id;
  const merged = backend.op('reshape', '', [id, [height, width, inChannels * outChannels]]);
  const channelsFirst = backend.op('permute', '', [merged.id, [2, 0, 1]]);
  return backend.op('reshape', '', [channelsFirst.id, [inChannels * outChannels, 1, height, width]]).id;
}

/** OIHW weight gradient -> the filter layout tfjs expects. */
function filterFrom(
  backend: TorchBackend,
  weight: NativeTensor,
  filterShape: number[],
  depthwise: boolean,
): NativeTensor {
  if (!depthwise) return backend.op('permute', '', [weight.id, [2, 3, 1, 0]]);
  const [height, width, inChannels, multiplier] = filterShape as [number, number, number, number];
  const squeezed = backend.op('reshape', '', [weight.id, [inChannels * multiplier, height, width]]);
  const channelsLastWeight = backend.op('permute', '', [squeezed.id, [1, 2, 0]]);
  return backend.op('reshape', '', [channelsLastWeight.id, [height, width, inChannels, multiplier]]);
}

function convInfoFor(inputShape: number[], filterShape: number[], attrs: Attributes, depthwise: boolean): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    channelsLast(attrs) ? 'channelsLast' : 'channelsFirst',
  );
}

function convolve(
  backend: TorchBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  attrs: Attributes,
  depthwise: boolean,
): NativeTensor {
  const convInfo = convInfoFor(x.shape, filter.shape, attrs, depthwise);
  let input = toNCHW(backend, x, attrs);
  const { padding, explicit } = paddingFor(convInfo);
  if (explicit !== undefined) input = backend.op('constant_pad_nd', '', [input, explicit, 0]).id;
  const weight = weightFrom(backend, filter, depthwise);
  const result = backend.op('convolution', '', [
    input,
    weight,
    bias === undefined ? null : productOperand(backend, bias),
    [convInfo.strideHeight, convInfo.strideWidth],
    padding,
    [convInfo.dilationHeight, convInfo.dilationWidth],
    false,
    [0, 0],
    depthwise ? convInfo.inChannels : 1,
  ]); // [batch, outChannels, outHeight, outWidth]
  return fromNCHW(backend, result, attrs);
}

/**
 * One gradient of a convolution via aten::convolution_backward: the input gradient
 * (`wanted` 0, `x` only gives the shape) or the weight gradient (`wanted` 1).
 */
function convolutionGradient(
  backend: TorchBackend,
  dy: tf.TensorInfo,
  input: { id: number } | { shape: number[] },
  weight: { id: number } | { shape: number[] },
  convInfo: Conv2DInfo,
  attrs: Attributes,
  depthwise: boolean,
  wanted: 0 | 1,
): NativeTensor {
  const { padding, explicit } = paddingFor(convInfo);
  const { top, bottom, left, right } = convInfo.padInfo;
  const materialise = (tensor: { id: number } | { shape: number[] }) =>
    'id' in tensor
      ? tensor.id
      : backend.op('empty', 'memory_format', [tensor.shape, productDtype(backend), null, backend.device]).id;
  let inputId: number;
  if ('id' in input) {
    inputId = explicit === undefined ? input.id : backend.op('constant_pad_nd', '', [input.id, explicit, 0]).id;
  } else {
    // Only the (padded) shape of the input matters for its own gradient.
    const [batch, channels, height, width] = input.shape as [number, number, number, number];
    const padded =
      explicit === undefined ? input.shape : [batch, channels, height + top + bottom, width + left + right];
    // ATen returns the input gradient in this placeholder's memory format: channels-last for NHWC,
    // so the NHWC result is dense. (An NCHW placeholder made the gradient 2x slower and left every
    // later kernel on it, e.g. a max-pool gradient, strided: ~7x slower.)
    if (channelsLast(attrs)) {
      const nhwc = materialise({ shape: NCHW_TO_NHWC.map((axis) => padded[axis]!) }); // [batch, height, width, channels]
      inputId = backend.op('permute', '', [nhwc, NHWC_TO_NCHW]).id;
    } else {
      inputId = materialise({ shape: padded });
    }
  }
  const gradients = backend.opMany('convolution_backward', '', [
    toNCHW(backend, dy, attrs),
    inputId,
    materialise(weight),
    null,
    [convInfo.strideHeight, convInfo.strideWidth],
    padding,
    [convInfo.dilationHeight, convInfo.dilationWidth],
    false,
    [0, 0],
    depthwise ? convInfo.inChannels : 1,
    [wanted === 0, wanted === 1, false],
  ]);
  let gradient = gradients[wanted]!;
  if (wanted === 0 && explicit !== undefined) {
    gradient = backend.op('slice', 'Tensor', [gradient.id, 2, top, top + convInfo.inHeight, 1]);
    gradient = backend.op('slice', 'Tensor', [gradient.id, 3, left, left + convInfo.inWidth, 1]);
  }
  return gradient;
}

/** tfjs shape [b, h, w, c] (or [b, c, h, w]) -> ATen [b, c, h, w]. */
function nchwShape(shape: number[], attrs: Attributes): number[] {
  return channelsLast(attrs) ? NHWC_TO_NCHW.map((axis) => shape[axis]!) : shape;
}

function weightShape(filterShape: number[], depthwise: boolean): number[] {
  const [height, width, inChannels, outChannels] = filterShape as [number, number, number, number];
  return depthwise ? [inChannels * outChannels, 1, height, width] : [outChannels, inChannels, height, width];
}

for (const [kernelName, depthwise] of [
  [tf.Conv2D, false],
  [tf.DepthwiseConv2dNative, true],
] as const) {
  defineKernel(kernelName, ({ inputs: { x, filter }, attrs, backend }) =>
    backend.output(convolve(backend, x!, filter!, undefined, attrs, depthwise)),
  );
}

for (const [kernelName, depthwise] of [
  [tf.FusedConv2D, false],
  [tf.FusedDepthwiseConv2D, true],
] as const) {
  defineKernel(kernelName, ({ inputs: { x, filter, bias, preluActivationWeights }, attrs, backend }) => {
    // ATen adds a [outChannels] bias itself; other bias shapes broadcast afterwards.
    const channels = filter!.shape[depthwise ? 2 : 3]! * (depthwise ? filter!.shape[3]! : 1);
    const inlineBias =
      bias !== undefined && bias.shape.length === 1 && bias.shape[0] === channels && channelsLast(attrs);
    let result = asFloat32(backend, convolve(backend, x!, filter!, inlineBias ? bias : undefined, attrs, depthwise));
    if (bias !== undefined && !inlineBias) result = backend.op('add', 'Tensor', [result.id, backend.idOf(bias)]);
    const prelu = preluActivationWeights === undefined ? undefined : backend.idOf(preluActivationWeights);
    return backend.output(applyActivation(backend, result, attrs.activation, prelu, attrs.leakyreluAlpha));
  });
}

for (const [kernelName, depthwise] of [
  [tf.Conv2DBackpropInput, false],
  [tf.DepthwiseConv2dNativeBackpropInput, true],
] as const) {
  defineKernel(kernelName, ({ inputs: { dy, filter }, attrs, backend }) => {
    const convInfo = convInfoFor(attrs.inputShape, filter!.shape, attrs, depthwise);
    const input = { shape: nchwShape(attrs.inputShape, attrs) };
    const weight = { id: weightFrom(backend, filter!, depthwise) };
    const gradient = convolutionGradient(backend, dy!, input, weight, convInfo, attrs, depthwise, 0);
    return backend.output(fromNCHW(backend, gradient, attrs));
  });
}

for (const [kernelName, depthwise] of [
  [tf.Conv2DBackpropFilter, false],
  [tf.DepthwiseConv2dNativeBackpropFilter, true],
] as const) {
  defineKernel(kernelName, ({ inputs: { x, dy }, attrs, backend }) => {
    const convInfo = convInfoFor(x!.shape, attrs.filterShape, attrs, depthwise);
    const input = { id: toNCHW(backend, x!, attrs) };
    const weight = { shape: weightShape(attrs.filterShape, depthwise) };
    const gradient = convolutionGradient(backend, dy!, input, weight, convInfo, attrs, depthwise, 1);
    return backend.output(filterFrom(backend, gradient, attrs.filterShape, depthwise));
  });
}
