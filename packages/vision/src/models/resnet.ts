import {
  Activation,
  BatchNorm,
  Conv2d,
  GlobalAveragePooling2d,
  Linear,
  Module,
  type RandomGenerator,
  Sequential,
  tf,
} from '@tessera/core';
import { ImageClassifier, type RandomOption } from './image-classifier.js';

/**
 * The basic residual block (He et al. 2016): conv3×3 → BN → ReLU → conv3×3 → BN, plus the input
 * (through a 1×1 conv + BN projection when the stride or width changes: the paper's option B),
 * then ReLU.
 */
export class BasicBlock extends Module<[tf.Tensor], tf.Tensor> {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  readonly shortcut: Sequential | undefined;

  constructor(inChannels: number, outChannels: number, stride: number, random: RandomOption) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, ...random }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm(outChannels));
    this.conv2 = this.registerModule(
      'conv2',
      new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false, ...random }),
    );
    this.bn2 = this.registerModule('bn2', new BatchNorm(outChannels));
    if (stride !== 1 || inChannels !== outChannels) {
      this.shortcut = this.registerModule(
        'shortcut',
        new Sequential(
          new Conv2d(inChannels, outChannels, 1, { stride, bias: false, ...random }),
          new BatchNorm(outChannels),
        ),
      );
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const residual = this.bn2.forward(this.conv2.forward(tf.relu(this.bn1.forward(this.conv1.forward(x)))));
      const identity = this.shortcut === undefined ? x : this.shortcut.forward(x);
      return tf.relu(tf.add(residual, identity));
    });
  }
}

export interface ResNetConfig {
  /** Default [32, 32, 3]. */
  inputShape?: readonly [number, number, number];
  /** Channels of each stage; stages after the first halve the resolution. Default [16, 32, 64]. */
  stageChannels?: readonly number[];
  /** Residual blocks per stage: 3 gives ResNet-20, 5 ResNet-32, 9 ResNet-56. Default 3. */
  blocksPerStage?: number;
  classCount?: number;
  random?: RandomGenerator;
}

/**
 * The CIFAR ResNet of He et al. (2016, §4.2): a 3×3 stem, three stages of basic blocks at
 * 16/32/64 channels on 32×32/16×16/8×8 maps, global average pooling and a linear classifier —
 * 6n + 2 layers (ResNet-20 by default). Backbone blocks: the stem, each residual block, the pooling.
 */
export class ResNet extends ImageClassifier {
  constructor(config: ResNetConfig = {}) {
    const inputShape = config.inputShape ?? [32, 32, 3];
    const stageChannels = config.stageChannels ?? [16, 32, 64];
    const blocksPerStage = config.blocksPerStage ?? 3;
    const random = config.random === undefined ? {} : { random: config.random };
    const stemChannels = stageChannels[0] as number;
    const blocks: Array<Module<[tf.Tensor], tf.Tensor>> = [
      new Sequential(
        new Conv2d(inputShape[2], stemChannels, 3, { padding: 1, bias: false, ...random }),
        new BatchNorm(stemChannels),
        new Activation('relu'),
      ),
    ];
    let inChannels = stemChannels;
    stageChannels.forEach((outChannels, stage) => {
      for (let index = 0; index < blocksPerStage; index++) {
        const stride = stage > 0 && index === 0 ? 2 : 1;
        blocks.push(new BasicBlock(inChannels, outChannels, stride, random));
        inChannels = outChannels;
      }
    });
    blocks.push(new GlobalAveragePooling2d()); // [batch, channels]
    super(blocks, new Linear(inChannels, config.classCount ?? 10, random), inputShape, inChannels);
  }
}
