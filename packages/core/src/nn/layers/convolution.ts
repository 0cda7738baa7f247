import * as tf from '@tensorflow/tfjs-core';
import { TesseraError } from '../../errors.js';
import type { RandomGenerator } from '../../random/random-generator.js';
import { getGlobalRandom, type Initializer, pytorchDefault } from '../initializers.js';
import { Module } from '../module.js';

/** A size or stride given once for both axes, or as [height, width]. */
export type Pair = number | [number, number];
/** 'valid', 'same', or zero padding per side: one number, [height, width] or [top, bottom, left, right]. */
export type Padding = 'valid' | 'same' | number | [number, number] | [number, number, number, number];

export function pair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * Padding as tfjs's explicit form. Numbers never reach tfjs: with a numeric `pad`, tfjs 4.22 sizes
 * the output width from the filter height (wrong for non-square filters, and out-of-bounds
 * reads on wasm), while explicit arrays are computed correctly everywhere.
 */
export function explicitPadding(padding: Padding): 'valid' | 'same' | tf.backend_util.ExplicitPadding {
  if (padding === 'valid' || padding === 'same') return padding;
  const [top, bottom, left, right] =
    typeof padding === 'number'
      ? [padding, padding, padding, padding]
      : padding.length === 2
        ? [padding[0], padding[0], padding[1], padding[1]]
        : padding;
  if ([top, bottom, left, right].some((value) => !Number.isInteger(value) || value < 0)) {
    throw new TesseraError('E_LAYER_CONFIG', `padding must be non-negative integers, got [${padding}]`);
  }
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** A filter [FH, FW, in, out] with dilation − 1 zeros between taps: the same conv, undilated. */
export function dilateFilter(filter: tf.Tensor4D, [dilationHeight, dilationWidth]: [number, number]): tf.Tensor4D {
  if (dilationHeight === 1 && dilationWidth === 1) return filter;
  const [height, width, inChannels, outChannels] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [height, 1, width, 1, inChannels * outChannels]), [
    [0, 0],
    [0, dilationHeight - 1],
    [0, 0],
    [0, dilationWidth - 1],
    [0, 0],
  ]);
  const grid = tf.reshape(spread, [
    height * dilationHeight,
    width * dilationWidth,
    inChannels,
    outChannels,
  ]) as tf.Tensor4D;
  return tf.slice(grid, [0, 0, 0, 0], [(height - 1) * dilationHeight + 1, (width - 1) * dilationWidth + 1, -1, -1]);
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Padding;
  dilation?: Pair;
  /** Split channels into groups convolved separately; groups = in channels is a depthwise conv. */
  groups?: number;
  bias?: boolean;
  weightInitializer?: Initializer;
  random?: RandomGenerator;
}

/**
 * 2-D convolution over NHWC images: [batch, height, width, in] → [batch, outH, outW, out].
 * The weight is [FH, FW, in / groups, out] (tfjs layout; PyTorch's is [out, in / groups, FH, FW]).
 * Dilated filters are applied with zeros between their taps because tfjs's conv gradients
 * reject dilation > 1; the forward result is identical.
 */
export class Conv2d extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable; // [FH, FW, in / groups, out]
  readonly bias: tf.Variable | undefined; // [out]
  readonly stride: [number, number];
  readonly padding: 'valid' | 'same' | tf.backend_util.ExplicitPadding;
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    this.stride = pair(options.stride ?? 1);
    this.padding = explicitPadding(options.padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new TesseraError(
        'E_LAYER_CONFIG',
        `groups (${this.groups}) must divide both in channels (${inChannels}) and out channels (${outChannels})`,
      );
    }
    const [kernelHeight, kernelWidth] = pair(kernelSize);
    const random = options.random ?? getGlobalRandom();
    const shape = [kernelHeight, kernelWidth, inChannels / this.groups, outChannels];
    this.weight = this.registerParameter('weight', (options.weightInitializer ?? pytorchDefault())(shape, random));
    const fanIn = kernelHeight * kernelWidth * (inChannels / this.groups);
    this.bias =
      options.bias === false ? undefined : this.registerParameter('bias', pytorchDefault(fanIn)([outChannels], random));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new TesseraError(
        'E_LAYER_INPUT',
        `Conv2d expects [batch, height, width, ${this.inChannels}] (NHWC), got [${x.shape}]`,
      );
    }
    return tf.tidy(() => {
      const input = x as tf.Tensor4D;
      const filter = dilateFilter(this.weight as tf.Tensor4D, this.dilation);
      let y: tf.Tensor4D;
      if (this.groups === 1) {
        y = tf.conv2d(input, filter, this.stride, this.padding);
      } else if (this.groups === this.inChannels) {
        // Depthwise: out channel c·multiplier + m reads in channel c, as tfjs's depthwise layout.
        const [height, width] = filter.shape;
        const depthwise = tf.reshape(filter, [height, width, this.inChannels, this.outChannels / this.inChannels]);
        y = tf.depthwiseConv2d(input, depthwise as tf.Tensor4D, this.stride, this.padding) as tf.Tensor4D;
      } else {
        const inputs = tf.split(input, this.groups, 3) as tf.Tensor4D[];
        const filters = tf.split(filter, this.groups, 3) as tf.Tensor4D[];
        y = tf.concat(
          inputs.map((part, group) => tf.conv2d(part, filters[group] as tf.Tensor4D, this.stride, this.padding)),
          3,
        );
      }
      return this.bias === undefined ? y : tf.add(y, this.bias);
    });
  }
}
