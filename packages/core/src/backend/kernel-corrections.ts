import * as tf from '@tensorflow/tfjs-core';

/**
 * Native kernels that compute wrong results for some attributes, and an attribute rewrite that
 * sends the same computation down a path that is right. Unlike fills (kernels a backend lacks),
 * a correction wraps the backend's own kernel and keeps its setup.
 *
 * tfjs-backend-wasm 4.22 (XNNPACK) mis-computes 'same' padding when the stride exceeds the
 * filter size and the padding works out to zero — e.g. a 2×2 filter, stride 3, on 6×6 input —
 * for Conv2D, depthwise conv and their fused and backprop variants. The equivalent explicit
 * padding is computed correctly, so 'same' is rewritten to it (a pure attribute change, no
 * tensor work).
 */
export interface KernelCorrection {
  kernelName: string;
  backendName: string;
  correctAttributes(inputs: tf.NamedTensorInfoMap, attributes: tf.NamedAttrMap): tf.NamedAttrMap;
}

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

function sameToExplicit(
  kernelName: string,
  depthwise: boolean,
  shapes: (inputs: tf.NamedTensorInfoMap, attributes: tf.NamedAttrMap) => [number[], number[]],
): KernelCorrection {
  return {
    kernelName,
    backendName: 'wasm',
    correctAttributes(inputs, attributes) {
      const convAttributes = attributes as unknown as ConvAttributes;
      if (convAttributes.pad !== 'same') return attributes;
      const [inputShape, filterShape] = shapes(inputs, attributes);
      return {
        ...attributes,
        pad: explicitSame(inputShape, filterShape, convAttributes, depthwise),
      } as unknown as tf.NamedAttrMap;
    },
  };
}

const forwardShapes = (inputs: tf.NamedTensorInfoMap): [number[], number[]] => [
  (inputs.x as tf.TensorInfo).shape,
  (inputs.filter as tf.TensorInfo).shape,
];

export const kernelCorrections: readonly KernelCorrection[] = [
  sameToExplicit(tf.Conv2D, false, forwardShapes),
  sameToExplicit(tf.FusedConv2D, false, forwardShapes),
  sameToExplicit(tf.DepthwiseConv2dNative, true, forwardShapes),
  sameToExplicit(tf.FusedDepthwiseConv2D, true, forwardShapes),
  sameToExplicit(tf.Conv2DBackpropInput, false, (inputs, attributes) => [
    (attributes as unknown as { inputShape: number[] }).inputShape,
    (inputs.filter as tf.TensorInfo).shape,
  ]),
];

const correctedByBackend = new Map<string, string[]>();

/**
 * Wraps each native kernel of `backendName` that has a correction; returns the names of all
 * kernels corrected for it. Idempotent. Call after the backend is initialised (its kernels'
 * setup has run; the wrapper keeps the original setup and dispose functions).
 */
export function applyKernelCorrections(backendName: string): string[] {
  const corrected = correctedByBackend.get(backendName) ?? [];
  for (const correction of kernelCorrections) {
    if (correction.backendName !== backendName || corrected.includes(correction.kernelName)) continue;
    const original = tf.getKernel(correction.kernelName, backendName);
    if (original === undefined) continue;
    tf.unregisterKernel(correction.kernelName, backendName);
    tf.registerKernel({
      ...original,
      kernelFunc: (parameters) =>
        original.kernelFunc({
          ...parameters,
          attrs: correction.correctAttributes(parameters.inputs, parameters.attrs ?? {}),
        }),
    });
    corrected.push(correction.kernelName);
  }
  correctedByBackend.set(backendName, corrected);
  return [...corrected];
}
