import {
  Activation,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Module,
  type RandomGenerator,
  Sequential,
  TesseraError,
  tf,
} from '@tessera/core';
import { Reshape } from '../layers/reshape.js';
import { Upsample2d } from '../layers/upsample.js';

/**
 * An encoder–decoder pair trained to reproduce its input: `encode` maps images to a smaller
 * code, `decode` maps codes back to images in [0, 1] (sigmoid output), `forward` does both.
 */
export abstract class Autoencoder extends Module<[tf.Tensor], tf.Tensor> {
  abstract readonly encoder: Module<[tf.Tensor], tf.Tensor>;
  abstract readonly decoder: Module<[tf.Tensor], tf.Tensor>;
  abstract readonly inputShape: readonly [number, number, number];

  encode(images: tf.Tensor): tf.Tensor {
    const [height, width, channels] = this.inputShape;
    if (images.rank !== 4 || images.shape[1] !== height || images.shape[2] !== width || images.shape[3] !== channels) {
      throw new TesseraError(
        'E_MODEL_INPUT',
        `${this.constructor.name} expects images [batch, ${height}, ${width}, ${channels}], got [${images.shape}]`,
      );
    }
    return this.encoder.forward(images);
  }

  decode(codes: tf.Tensor): tf.Tensor {
    return this.decoder.forward(codes);
  }

  /** Reconstructions [batch, height, width, channels] in [0, 1]. */
  forward(images: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.decode(this.encode(images)));
  }
}

export interface DenseAutoencoderConfig {
  /** Default [28, 28, 1]. */
  inputShape?: readonly [number, number, number];
  /** Hidden widths of the encoder (the decoder mirrors them). Default [256]. */
  hiddenSizes?: readonly number[];
  /** Size of the code. Default 32 (the Keras blog's 784 → 32, a compression of 24.5). */
  codeSize?: number;
  random?: RandomGenerator;
}

/** A fully connected autoencoder: flatten → dense ReLU layers → code → mirrored layers → sigmoid. */
export class DenseAutoencoder extends Autoencoder {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly inputShape: readonly [number, number, number];

  constructor(config: DenseAutoencoderConfig = {}) {
    super();
    this.inputShape = config.inputShape ?? [28, 28, 1];
    const random = config.random === undefined ? {} : { random: config.random };
    const inputSize = this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
    const sizes = [inputSize, ...(config.hiddenSizes ?? [256]), config.codeSize ?? 32];
    const encoderLayers: Array<Module<[tf.Tensor], tf.Tensor>> = [new Flatten()];
    const decoderLayers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    for (let index = 1; index < sizes.length; index++) {
      encoderLayers.push(
        new Linear(sizes[index - 1] as number, sizes[index] as number, random),
        new Activation('relu'),
      );
      const from = sizes[sizes.length - index] as number;
      const to = sizes[sizes.length - index - 1] as number;
      decoderLayers.push(new Linear(from, to, random), new Activation(index === sizes.length - 1 ? 'sigmoid' : 'relu'));
    }
    decoderLayers.push(new Reshape(this.inputShape));
    this.encoder = this.registerModule('encoder', new Sequential(...encoderLayers));
    this.decoder = this.registerModule('decoder', new Sequential(...decoderLayers));
  }
}

export interface ConvolutionalAutoencoderConfig {
  /** Default [28, 28, 1]; height and width must divide by 2^(number of stages). */
  inputShape?: readonly [number, number, number];
  /** Channels of each encoder stage (3×3 conv + ReLU + 2×2 max pool). Default [32, 16]. */
  stageChannels?: readonly number[];
  /** Channels of the code map. Default 4: 28×28×1 → 7×7×4, a compression of 4. */
  codeChannels?: number;
  random?: RandomGenerator;
}

/**
 * A convolutional autoencoder: stages of 3×3 conv + ReLU + max pool down to a small code map
 * (1×1 conv), then nearest-neighbour upsampling + 3×3 conv back up, ending in a sigmoid.
 */
export class ConvolutionalAutoencoder extends Autoencoder {
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly inputShape: readonly [number, number, number];

  constructor(config: ConvolutionalAutoencoderConfig = {}) {
    super();
    this.inputShape = config.inputShape ?? [28, 28, 1];
    const stages = config.stageChannels ?? [32, 16];
    const codeChannels = config.codeChannels ?? 4;
    const random = config.random === undefined ? {} : { random: config.random };
    const [height, width, channels] = this.inputShape;
    const reduction = 2 ** stages.length;
    if (height % reduction !== 0 || width % reduction !== 0) {
      throw new TesseraError(
        'E_MODEL_CONFIG',
        `${stages.length} pooling stages need height and width divisible by ${reduction}, got ${height}×${width}`,
      );
    }
    const encoderLayers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    let inChannels = channels;
    for (const outChannels of stages) {
      encoderLayers.push(
        new Conv2d(inChannels, outChannels, 3, { padding: 1, ...random }),
        new Activation('relu'),
        new MaxPool2d(2),
      );
      inChannels = outChannels;
    }
    encoderLayers.push(new Conv2d(inChannels, codeChannels, 1, random)); // [batch, H / 2^s, W / 2^s, codeChannels]
    const decoderLayers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
    inChannels = codeChannels;
    for (const outChannels of [...stages].reverse()) {
      decoderLayers.push(
        new Upsample2d(2),
        new Conv2d(inChannels, outChannels, 3, { padding: 1, ...random }),
        new Activation('relu'),
      );
      inChannels = outChannels;
    }
    decoderLayers.push(new Conv2d(inChannels, channels, 3, { padding: 1, ...random }), new Activation('sigmoid'));
    this.encoder = this.registerModule('encoder', new Sequential(...encoderLayers));
    this.decoder = this.registerModule('decoder', new Sequential(...decoderLayers));
  }
}
