import * as tf from '@tensorflow/tfjs-core';
import type { RandomGenerator } from '../random/random-generator.js';
import { createRandomGenerator } from '../random/random-generator.js';

/**
 * Seeded weight initialisers. Values are drawn in JavaScript from Tessera's generator, so the
 * same seed gives bit-identical weights on every backend. Shapes follow tfjs layouts: Linear
 * [in, out], Conv2d [filterHeight, filterWidth, in, out] — the last axis is the fan-out axis.
 */
export type Initializer = (shape: readonly number[], random: RandomGenerator) => tf.Tensor;

/** fanIn / fanOut as PyTorch and Keras compute them: receptive field × in / out channels. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0] as number, fanOut: shape[0] as number };
  const receptiveField = shape.slice(0, -2).reduce((product, size) => product * size, 1);
  return {
    fanIn: (shape[shape.length - 2] as number) * receptiveField,
    fanOut: (shape[shape.length - 1] as number) * receptiveField,
  };
}

function sized(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

function fromValues(shape: readonly number[], draw: () => number): tf.Tensor {
  const values = new Float32Array(sized(shape));
  for (let i = 0; i < values.length; i++) values[i] = draw();
  return tf.tensor(values, shape as number[], 'float32');
}

export function zeros(): Initializer {
  return (shape) => tf.zeros(shape as number[]);
}

export function ones(): Initializer {
  return (shape) => tf.ones(shape as number[]);
}

export function constant(value: number): Initializer {
  return (shape) => tf.fill(shape as number[], value);
}

/** U(low, high). */
export function uniform(low: number, high: number): Initializer {
  return (shape, random) => fromValues(shape, () => low + (high - low) * random.nextFloat());
}

/** N(mean, std²). */
export function normal(std = 1, mean = 0): Initializer {
  return (shape, random) => fromValues(shape, () => mean + std * random.nextNormal());
}

/** N(mean, std²) redrawn outside mean ± 2·std (Keras's and timm's truncated normal). */
export function truncatedNormal(std = 1, mean = 0): Initializer {
  return (shape, random) =>
    fromValues(shape, () => {
      for (;;) {
        const sample = random.nextNormal();
        if (Math.abs(sample) <= 2) return mean + std * sample;
      }
    });
}

/** Glorot & Bengio (2010): U(±gain·√(6 / (fanIn + fanOut))). */
export function xavierUniform(gain = 1): Initializer {
  return (shape, random) => {
    const { fanIn, fanOut } = computeFans(shape);
    const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
    return uniform(-bound, bound)(shape, random);
  };
}

/** Glorot & Bengio (2010): N(0, gain²·2 / (fanIn + fanOut)). */
export function xavierNormal(gain = 1): Initializer {
  return (shape, random) => {
    const { fanIn, fanOut } = computeFans(shape);
    return normal(gain * Math.sqrt(2 / (fanIn + fanOut)))(shape, random);
  };
}

export interface KaimingOptions {
  /** Preserve the variance of activations ('fanIn', default) or of gradients ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** The gain: √2 for ReLU (default); √(2 / (1 + a²)) for leaky ReLU with slope a. */
  gain?: number;
}

/** He et al. (2015): U(±gain·√(3 / fan)). */
export function kaimingUniform(options: KaimingOptions = {}): Initializer {
  return (shape, random) => {
    const fans = computeFans(shape);
    const fan = options.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
    const bound = (options.gain ?? Math.SQRT2) * Math.sqrt(3 / fan);
    return uniform(-bound, bound)(shape, random);
  };
}

/** He et al. (2015): N(0, gain² / fan). */
export function kaimingNormal(options: KaimingOptions = {}): Initializer {
  return (shape, random) => {
    const fans = computeFans(shape);
    const fan = options.mode === 'fanOut' ? fans.fanOut : fans.fanIn;
    return normal((options.gain ?? Math.SQRT2) / Math.sqrt(fan))(shape, random);
  };
}

/**
 * PyTorch's default for Linear and Conv weights and biases: U(±1/√fanIn), i.e.
 * kaiming_uniform with a = √5. `fanIn` is given for biases, whose own shape has none.
 */
export function pytorchDefault(fanIn?: number): Initializer {
  return (shape, random) => {
    const bound = 1 / Math.sqrt(fanIn ?? computeFans(shape).fanIn);
    return uniform(-bound, bound)(shape, random);
  };
}

const globalRandom = createRandomGenerator(0);

/**
 * Seeds the generator layers use when not given one, like torch.manual_seed. It reseeds the one
 * global generator in place, so layers built earlier (which hold it for dropout) follow too.
 */
export function setGlobalSeed(seed: number): void {
  globalRandom.setState(createRandomGenerator(seed).getState());
}

/** The generator layers draw initial weights and dropout seeds from by default. */
export function getGlobalRandom(): RandomGenerator {
  return globalRandom;
}
