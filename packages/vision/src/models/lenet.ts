import {
  Activation,
  AvgPool2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  type RandomGenerator,
  Sequential,
} from '@tessera/core';
import { ImageClassifier } from './image-classifier.js';

export interface LeNet5Config {
  /** Default 10. */
  classCount?: number;
  /** Grey 28×28 (MNIST, padded to LeNet's 32×32 by the first conv) or 32×32. Default 28. */
  imageSize?: 28 | 32;
  /** Default 1. */
  channels?: number;
  /** 'tanh' and average pooling as LeCun et al. 1998 (default), or 'relu' and max pooling. */
  activation?: 'tanh' | 'relu';
  random?: RandomGenerator;
}

/**
 * LeNet-5 (LeCun et al. 1998): conv 6@5×5 → pool → conv 16@5×5 → pool → 120 → 84 → classes.
 * On 28×28 input the first conv pads by 2, as the usual MNIST adaptation; 61,706 parameters
 * for 10 classes, as PyTorch's equivalent.
 */
export class LeNet5 extends ImageClassifier {
  constructor(config: LeNet5Config = {}) {
    const classCount = config.classCount ?? 10;
    const imageSize = config.imageSize ?? 28;
    const channels = config.channels ?? 1;
    const random = config.random === undefined ? {} : { random: config.random };
    const activation = config.activation ?? 'tanh';
    const pool = () => (activation === 'tanh' ? new AvgPool2d(2) : new MaxPool2d(2));
    const blocks = [
      new Sequential(
        new Conv2d(channels, 6, 5, { padding: imageSize === 28 ? 2 : 0, ...random }),
        new Activation(activation),
        pool(),
      ), // [batch, 14, 14, 6]
      new Sequential(new Conv2d(6, 16, 5, random), new Activation(activation), pool()), // [batch, 5, 5, 16]
      new Sequential(
        new Flatten(),
        new Linear(400, 120, random),
        new Activation(activation),
        new Linear(120, 84, random),
        new Activation(activation),
      ), // [batch, 84]
    ];
    super(blocks, new Linear(84, classCount, random), [imageSize, imageSize, channels], 84);
  }
}
