import {
  Activation,
  BatchNorm,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  type Module,
  type RandomGenerator,
  Sequential,
  type tf,
} from '@tessera/core';
import { ImageClassifier } from './image-classifier.js';

export interface VGGStyleConfig {
  /** [height, width, channels]; default [32, 32, 3] (CIFAR-10). Height and width must divide by 2^stages. */
  inputShape?: readonly [number, number, number];
  /** Output channels of each stage; each stage ends in 2×2 max pooling. Default [32, 64, 128]. */
  stageChannels?: readonly number[];
  /** 3×3 convolutions per stage (default 2, as VGG). */
  convolutionsPerStage?: number;
  /** Batch normalisation after each convolution (default true; the convolutions then have no bias). */
  batchNorm?: boolean;
  /** Width of the dense layer before the classifier (default 128). */
  hiddenSize?: number;
  /** Dropout before the classifier (default 0.5). */
  dropout?: number;
  classCount?: number;
  random?: RandomGenerator;
}

/**
 * A small VGG-style network (Simonyan & Zisserman 2015, scaled down): stages of 3×3 conv
 * (+ BN) + ReLU, each stage halving the resolution with max pooling, then a dense head.
 * Backbone blocks: one per stage, then flatten → dense(hiddenSize) → ReLU → dropout; the head is
 * one Linear(hiddenSize, classes).
 */
export class VGGStyle extends ImageClassifier {
  constructor(config: VGGStyleConfig = {}) {
    const [height, width, channels] = config.inputShape ?? [32, 32, 3];
    const stageChannels = config.stageChannels ?? [32, 64, 128];
    const perStage = config.convolutionsPerStage ?? 2;
    const batchNorm = config.batchNorm ?? true;
    const hiddenSize = config.hiddenSize ?? 128;
    const random = config.random === undefined ? {} : { random: config.random };
    const blocks: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    let inChannels = channels;
    for (const outChannels of stageChannels) {
      const layers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
      for (let index = 0; index < perStage; index++) {
        layers.push(new Conv2d(inChannels, outChannels, 3, { padding: 1, bias: !batchNorm, ...random }));
        if (batchNorm) layers.push(new BatchNorm(outChannels));
        layers.push(new Activation('relu'));
        inChannels = outChannels;
      }
      layers.push(new MaxPool2d(2));
      blocks.push(new Sequential(...layers));
    }
    const reduction = 2 ** stageChannels.length;
    const flatSize = Math.floor(height / reduction) * Math.floor(width / reduction) * inChannels;
    blocks.push(
      new Sequential(
        new Flatten(),
        new Linear(flatSize, hiddenSize, random),
        new Activation('relu'),
        new Dropout(config.dropout ?? 0.5, random),
      ),
    );
    super(blocks, new Linear(hiddenSize, config.classCount ?? 10, random), [height, width, channels], hiddenSize);
  }
}
