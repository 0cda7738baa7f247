import * as tf from '@tensorflow/tfjs-core';
import type { KernelOverride } from '../kernel-override.js';

/**
 * Corrections for native kernels that compute wrong results for some attributes: an attribute
 * rewrite that sends the same computation down a path that is right.
 *
 * tfjs-backend-wasm 4.22 (XNNPACK) mis-computes 'same' padding when the stride exceeds the
 * filter size and the padding works out to zero — e.g. a 2×2 filter, stride 3, on 6×6 input —
 * for Conv2D, depthwise conv and their fused and backprop variants. The equivalent explicit
 * padding is computed correctly, so 'same' is rewritten to it (a pure attribute change, no
 * tensor work).
 */
type ConvAttributes = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** 'same' as explicit padding, in the data format's own axis order. */
function explicitSame(
  inputShape: number[],
  filterShape: number[],
  attributes: ConvAttributes,
  depthwise: boolean,
): tf.backend_util.ExplicitPadding {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attributes.dataFormat ?? 'NHWC');
  const { padInfo } = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attributes.strides,
    attributes.dilations ?? 1,
    'same',
    attributes.dimRoundingMode,
    depthwise,
    dataFormat,
  );
  const height: [number, number] = [padInfo.top, padInfo.bottom];
  const width: [number, number] = [padInfo.left, padInfo.right];
  return dataFormat === 'channelsLast' ? [[0, 0], height, width, [0, 0]] : [[0, 0], [0, 0], height, width];
}

export function sameToExplicit(
  kernelName: string,
  depthwise: boolean,
  shapes: (inputs: tf.NamedTensorInfoMap, attributes: tf.NamedAttrMap) => [number[], number[]],
): KernelOverride {
  const correctAttributes = (inputs: tf.NamedTensorInfoMap, attributes: tf.NamedAttrMap): tf.NamedAttrMap => {
    const convAttributes = attributes as unknown as ConvAttributes;
    if (convAttributes.pad !== 'same') return attributes;
    const [inputShape, filterShape] = shapes(inputs, attributes);
    return {
      ...attributes,
      pad: explicitSame(inputShape, filterShape, convAttributes, depthwise),
    } as unknown as tf.NamedAttrMap;
  };
  return {
    kernelName,
    purpose: 'correction',
    wrap: (native) => (parameters) =>
      native({ ...parameters, attrs: correctAttributes(parameters.inputs, parameters.attrs ?? {}) }),
  };
}

export const forwardShapes = (inputs: tf.NamedTensorInfoMap): [number[], number[]] => [
  (inputs.x as tf.TensorInfo).shape,
  (inputs.filter as tf.TensorInfo).shape,
];
