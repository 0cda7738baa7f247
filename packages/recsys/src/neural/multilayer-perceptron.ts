import { Activation, Dropout, Linear, type Module, type RandomGenerator, Sequential, type tf } from '@tessera/core';

/** Linear → ReLU → Dropout blocks, then a Linear to one output: the "deep" tower of DeepFM and Wide & Deep. */
export function multilayerPerceptron(
  inputSize: number,
  hiddenSizes: readonly number[],
  dropout: number,
  random?: RandomGenerator,
): Sequential {
  const layers: Array<Module<[tf.Tensor], tf.Tensor>> = [];
  let size = inputSize;
  for (const hidden of hiddenSizes) {
    layers.push(new Linear(size, hidden, { random }), new Activation('relu'));
    if (dropout > 0) layers.push(new Dropout(dropout, { random }));
    size = hidden;
  }
  layers.push(new Linear(size, 1, { random }));
  return new Sequential(...layers);
}
