import * as tf from '@tensorflow/tfjs-core';
import { fusedLinear, fusedLinearAvailable } from '../../fused/linear.js';
import type { RandomGenerator } from '../../random/random-generator.js';
import { getGlobalRandom, type Initializer, pytorchDefault } from '../initializers.js';
import { Module } from '../module.js';

export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Weight initialiser; default PyTorch's U(±1/√in). */
  weightInitializer?: Initializer;
  /** Bias initialiser; default PyTorch's U(±1/√in). */
  biasInitializer?: Initializer;
  /** Generator for the initial values; default the global one (see setGlobalSeed). */
  random?: RandomGenerator;
}

/** y = x·W + b over the last axis. W is stored [in, out] (tfjs layout; PyTorch stores [out, in]). */
export class Linear extends Module<[tf.Tensor], tf.Tensor> {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | undefined; // [out]

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const random = options.random ?? getGlobalRandom();
    this.weight = this.registerParameter(
      'weight',
      (options.weightInitializer ?? pytorchDefault())([inFeatures, outFeatures], random),
    );
    this.bias =
      options.bias === false
        ? undefined
        : this.registerParameter(
            'bias',
            (options.biasInitializer ?? pytorchDefault(inFeatures))([outFeatures], random),
          );
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (fusedLinearAvailable()) return tf.tidy(() => fusedLinear(x, this.weight, this.bias));
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1); // [...batch]
      const flat = tf.reshape(x, [-1, this.inFeatures]); // [rows, in]
      const y = tf.fused.matMul({ a: flat as tf.Tensor2D, b: this.weight as tf.Tensor2D, bias: this.bias }); // [rows, out]
      return tf.reshape(y, [...leading, this.outFeatures]);
    });
  }
}
