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

export interface SmallConvNetConfig {
  /** Default [28, 28, 1] (MNIST). */
  inputShape?: readonly [number, number, number];
  /** One unpadded 3×3 conv + ReLU + 2×2 max pool per entry. Default [32, 64]. */
  convolutionChannels?: readonly number[];
  /** Batch normalisation after each convolution (default false). */
  batchNorm?: boolean;
  /** A dense ReLU layer of this width before the classifier; 0 (default) for none. */
  hiddenSize?: number;
  /** Dropout on the features before the classifier (default 0.5). */
  dropout?: number;
  classCount?: number;
  random?: RandomGenerator;
}

/**
 * The Keras "simple MNIST convnet" (keras.io/examples/vision/mnist_convnet): conv 32@3×3 → pool →
 * conv 64@3×3 → pool → flatten → dropout 0.5 → dense(classes); 34,826 parameters on MNIST. It
 * costs about a quarter of Keras's older mnist_cnn per image, which matters on one CPU thread.
 */
export class SmallConvNet extends ImageClassifier {
  constructor(config: SmallConvNetConfig = {}) {
    const inputShape = config.inputShape ?? [28, 28, 1];
    const convolutionChannels = config.convolutionChannels ?? [32, 64];
    const batchNorm = config.batchNorm ?? false;
    const hiddenSize = config.hiddenSize ?? 0;
    const random = config.random === undefined ? {} : { random: config.random };
    const blocks: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    let [height, width, inChannels] = inputShape;
    for (const outChannels of convolutionChannels) {
      const layers: Array<Module<[tf.Tensor], tf.Tensor>> = [
        new Conv2d(inChannels, outChannels, 3, { bias: !batchNorm, ...random }),
      ];
      if (batchNorm) layers.push(new BatchNorm(outChannels));
      layers.push(new Activation('relu'), new MaxPool2d(2));
      blocks.push(new Sequential(...layers));
      height = Math.floor((height - 2) / 2);
      width = Math.floor((width - 2) / 2);
      inChannels = outChannels;
    }
    let featureSize = height * width * inChannels;
    const top: Array<Module<[tf.Tensor], tf.Tensor>> = [new Flatten()];
    if (hiddenSize > 0) {
      top.push(new Linear(featureSize, hiddenSize, random), new Activation('relu'));
      featureSize = hiddenSize;
    }
    top.push(new Dropout(config.dropout ?? 0.5, random));
    blocks.push(new Sequential(...top));
    super(blocks, new Linear(featureSize, config.classCount ?? 10, random), inputShape, featureSize);
  }
}
