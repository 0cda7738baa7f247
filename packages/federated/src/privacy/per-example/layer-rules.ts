import { type AnyModule, Embedding, LayerNorm, Linear, RMSNorm, TesseraError, tf } from '@tessera/core';
import type { PerExampleContribution } from './contributions.js';
import { extractPatches, perExampleFilterGradients } from './patches.js';

/** What one call of a layer left for the per-example computation. */
export interface LayerCall {
  /** The layer's input, [batch, ...]. */
  input: tf.Tensor;
  /** ∂loss/∂output, [batch, ...], already scaled to the per-example losses. */
  outputGradient: tf.Tensor;
}

/**
 * How a layer's per-example parameter gradients follow from its input and the gradient of its
 * output (Opacus's grad samplers). `contributions` returns one entry per trainable parameter
 * named in `trainable` (local names: 'weight', 'bias').
 */
export interface PerExampleRule {
  readonly layer: string;
  contributions(
    module: AnyModule,
    call: LayerCall,
    trainable: ReadonlySet<string>,
  ): Record<string, PerExampleContribution>;
}

/** Core's Conv2d, recognised by its fields (core keeps the class internal for now). */
interface Convolution {
  weight: tf.Variable; // [filterHeight, filterWidth, in / groups, out]
  bias?: tf.Variable; // [out]
  stride: [number, number];
  padding: 'valid' | 'same' | tf.backend_util.ExplicitPadding;
  dilation: [number, number];
  groups: number;
}

function isConvolution(module: AnyModule): boolean {
  const candidate = module as unknown as Partial<Convolution>;
  return (
    candidate.weight instanceof tf.Variable &&
    candidate.weight.rank === 4 &&
    Array.isArray(candidate.stride) &&
    Array.isArray(candidate.dilation) &&
    typeof candidate.groups === 'number' &&
    candidate.padding !== undefined
  );
}

/** [batch, ..., features] → [batch, rows, features]. */
function asRows(tensor: tf.Tensor): tf.Tensor3D {
  const batch = tensor.shape[0] as number;
  const features = tensor.shape[tensor.rank - 1] as number;
  return tf.reshape(tensor, [batch, -1, features]);
}

/** Σ over every axis but the first and last: [batch, ..., features] → [batch, features]. */
function sumRows(tensor: tf.Tensor): tf.Tensor2D {
  return tf.sum(asRows(tensor), 1) as tf.Tensor2D;
}

const linearRule: PerExampleRule = {
  layer: 'Linear',
  contributions(module, { input, outputGradient }, trainable) {
    const linear = module as unknown as Linear;
    const result: Record<string, PerExampleContribution> = {};
    if (trainable.has('weight')) {
      result.weight = {
        kind: 'outerProduct',
        activations: tf.expandDims(asRows(input), 0) as tf.Tensor4D, // [1, batch, rows, in]
        outputGradients: tf.expandDims(asRows(outputGradient), 0) as tf.Tensor4D, // [1, batch, rows, out]
        parameterShape: linear.weight.shape,
      };
    }
    if (trainable.has('bias')) result.bias = { kind: 'dense', perExample: sumRows(outputGradient) };
    return result;
  },
};

const convolutionRule: PerExampleRule = {
  layer: 'Conv2d',
  contributions(module, { input, outputGradient }, trainable) {
    const convolution = module as unknown as Convolution;
    const result: Record<string, PerExampleContribution> = {};
    if (trainable.has('weight')) {
      const [filterHeight, filterWidth, groupChannels, outChannels] = convolution.weight.shape as number[] as [
        number,
        number,
        number,
        number,
      ];
      const groups = convolution.groups;
      const geometry = {
        filterSize: [filterHeight, filterWidth] as [number, number],
        stride: convolution.stride,
        dilation: convolution.dilation,
        padding: convolution.padding,
      };
      const direct = perExampleFilterGradients(input as tf.Tensor4D, outputGradient as tf.Tensor4D, geometry, groups);
      if (direct !== undefined) {
        result.weight = { kind: 'dense', perExample: direct };
        if (trainable.has('bias')) result.bias = { kind: 'dense', perExample: sumRows(outputGradient) };
        return result;
      }
      const { patches, order } = extractPatches(input as tf.Tensor4D, geometry); // [batch, pixels, features]
      const [batch, pixels, features] = patches.shape;
      const groupFeatures = features / groups;
      // Group g reads in channels [g·in/groups, (g+1)·in/groups) — a contiguous block of the
      // patch features in (channel, tap) order — and writes out channels [g·out/groups, …).
      const activations =
        groups === 1
          ? tf.reshape(patches, [1, batch, pixels, features])
          : tf.transpose(tf.reshape(patches, [batch, pixels, groups, groupFeatures]), [2, 0, 1, 3]);
      const gradients =
        groups === 1
          ? tf.reshape(outputGradient, [1, batch, pixels, outChannels])
          : tf.transpose(tf.reshape(outputGradient, [batch, pixels, groups, outChannels / groups]), [2, 0, 1, 3]);
      result.weight = {
        kind: 'outerProduct',
        activations: activations as tf.Tensor4D, // [groups, batch, pixels, taps · in / groups]
        outputGradients: gradients as tf.Tensor4D, // [groups, batch, pixels, out / groups]
        parameterShape: convolution.weight.shape,
        featureOrder:
          order === 'channelsThenTaps' ? { channels: groupChannels, taps: filterHeight * filterWidth } : undefined,
      };
    }
    if (trainable.has('bias')) result.bias = { kind: 'dense', perExample: sumRows(outputGradient) };
    return result;
  },
};

const embeddingRule: PerExampleRule = {
  layer: 'Embedding',
  contributions(module, { input, outputGradient }, trainable): Record<string, PerExampleContribution> {
    if (!trainable.has('weight')) return {};
    const embedding = module as unknown as Embedding;
    const batch = input.shape[0] as number;
    const ids = input.dataSync() as Int32Array; // the ids are small, and grouping them runs on the host
    let gradients = tf.reshape(outputGradient, [batch, -1, embedding.dimension]) as tf.Tensor3D; // [batch, positions, dimension]
    if (embedding.paddingIndex !== undefined) {
      // Core's Embedding masks the padding id's vector, so that row receives no gradient.
      const keep = tf.cast(tf.notEqual(tf.reshape(input, [batch, -1, 1]), embedding.paddingIndex), 'float32');
      gradients = tf.mul(gradients, keep);
    }
    return {
      weight: { kind: 'rows', ids: Int32Array.from(ids), outputGradients: gradients, rowCount: embedding.count },
    };
  },
};

/** LayerNorm and RMSNorm: per-example scale gradients are Σ_rows g ⊙ x̂, shifts Σ_rows g. */
function normalizationRule(layer: string, normalize: (module: AnyModule, x: tf.Tensor) => tf.Tensor): PerExampleRule {
  return {
    layer,
    contributions(module, { input, outputGradient }, trainable) {
      const result: Record<string, PerExampleContribution> = {};
      if (trainable.has('weight')) {
        result.weight = { kind: 'dense', perExample: sumRows(tf.mul(outputGradient, normalize(module, input))) };
      }
      if (trainable.has('bias')) result.bias = { kind: 'dense', perExample: sumRows(outputGradient) };
      return result;
    },
  };
}

const layerNormRule = normalizationRule('LayerNorm', (module, x) => {
  // As core's LayerNorm: biased variance over the last axis.
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, (module as unknown as LayerNorm).epsilon)));
});

const rmsNormRule = normalizationRule('RMSNorm', (module, x) =>
  tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), (module as unknown as RMSNorm).epsilon))),
);

/** True for modules that normalise with batch statistics (BatchNorm), which mixes examples. */
export function isBatchNormalization(module: AnyModule): boolean {
  const buffers = new Set(module.namedBuffers().map(([name]) => name));
  return buffers.has('running_mean') || buffers.has('running_var');
}

/** The rule for `module`, or undefined when none applies. */
export function findRule(module: AnyModule): PerExampleRule | undefined {
  if (module instanceof Linear) return linearRule;
  if (module instanceof Embedding) return embeddingRule;
  if (module instanceof LayerNorm) return layerNormRule;
  if (module instanceof RMSNorm) return rmsNormRule;
  if (isConvolution(module)) return convolutionRule;
  return undefined;
}

export const SUPPORTED_LAYERS = 'Linear, Conv2d, Embedding, LayerNorm, RMSNorm';

export function unsupportedLayerError(problems: string[]): TesseraError {
  return new TesseraError(
    'E_DP_UNSUPPORTED_LAYER',
    `no per-example gradient rule for ${problems.join('; ')}. DP-SGD supports trainable parameters in ${SUPPORTED_LAYERS}; freeze the others (model.freeze('path')) or replace them`,
  );
}
