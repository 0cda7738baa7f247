import {
  Activation,
  BatchNorm,
  Conv2d,
  GlobalAveragePooling2d,
  Linear,
  type Module,
  type RandomGenerator,
  Sequential,
  type tf,
} from '@tessera/core';
import { ImageClassifier, type RandomOption } from './image-classifier.js';

/**
 * MobileNet's depthwise-separable block (Howard et al. 2017): a 3×3 depthwise conv (one filter
 * per channel, groups = channels) → BN → ReLU, then a 1×1 pointwise conv → BN → ReLU. It costs
 * about 1/outChannels + 1/9 of a full 3×3 conv.
 */
export function depthwiseSeparableBlock(
  inChannels: number,
  outChannels: number,
  stride: number,
  random: RandomOption = {},
): Sequential {
  return new Sequential(
    new Conv2d(inChannels, inChannels, 3, { stride, padding: 1, groups: inChannels, bias: false, ...random }),
    new BatchNorm(inChannels),
    new Activation('relu'),
    new Conv2d(inChannels, outChannels, 1, { bias: false, ...random }),
    new BatchNorm(outChannels),
    new Activation('relu'),
  );
}

export interface MobileNetStyleConfig {
  /** Default [32, 32, 3]. */
  inputShape?: readonly [number, number, number];
  /** Channels of the 3×3 stem (default 32). */
  stemChannels?: number;
  /** [outChannels, stride] of each depthwise-separable block. Default MobileNet's first six, sized for 32×32. */
  blocks?: ReadonlyArray<readonly [number, number]>;
  /** Width multiplier α on every channel count (default 1). */
  widthMultiplier?: number;
  classCount?: number;
  random?: RandomGenerator;
}

const DEFAULT_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
];

/**
 * A MobileNet-style classifier for small images: a stride-1 3×3 stem (the original's stride 2
 * suits 224×224), depthwise-separable blocks, global average pooling and a linear classifier.
 */
export class MobileNetStyle extends ImageClassifier {
  constructor(config: MobileNetStyleConfig = {}) {
    const inputShape = config.inputShape ?? [32, 32, 3];
    const multiplier = config.widthMultiplier ?? 1;
    const width = (channels: number) => Math.max(8, Math.round(channels * multiplier));
    const random = config.random === undefined ? {} : { random: config.random };
    const stem = width(config.stemChannels ?? 32);
    const blocks: Array<Module<[tf.Tensor], tf.Tensor>> = [
      new Sequential(
        new Conv2d(inputShape[2], stem, 3, { padding: 1, bias: false, ...random }),
        new BatchNorm(stem),
        new Activation('relu'),
      ),
    ];
    let inChannels = stem;
    for (const [channels, stride] of config.blocks ?? DEFAULT_BLOCKS) {
      blocks.push(depthwiseSeparableBlock(inChannels, width(channels), stride, random));
      inChannels = width(channels);
    }
    blocks.push(new GlobalAveragePooling2d());
    super(blocks, new Linear(inChannels, config.classCount ?? 10, random), inputShape, inChannels);
  }
}
