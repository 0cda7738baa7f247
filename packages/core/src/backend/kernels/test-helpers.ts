import * as tf from '@tensorflow/tfjs-core';
import { createRandomGenerator } from '../../random/random-generator.js';

/** Seeded floats in [0, 1) from Tessera's generator, so every random test case is reproducible. */
export function seededRandom(seed: number): () => number {
  const generator = createRandomGenerator(seed);
  return () => generator.nextFloat();
}

export function randomInteger(random: () => number, low: number, high: number): number {
  return low + Math.floor(random() * (high - low + 1));
}

export function randomValues(random: () => number, size: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = random() * 2 - 1;
  return values;
}

/** Runs `compute` with `backendName` active and returns its output's shape and values. */
export async function runOn(
  backendName: string,
  compute: () => tf.Tensor,
): Promise<{ shape: number[]; values: Float32Array | Int32Array }> {
  await tf.setBackend(backendName);
  const before = tf.memory().numTensors;
  const output = tf.tidy(compute);
  const result = { shape: output.shape, values: (await output.data()) as Float32Array | Int32Array };
  output.dispose();
  if (tf.memory().numTensors !== before) {
    throw new Error(`leaked ${tf.memory().numTensors - before} tensors on ${backendName}`);
  }
  return result;
}

/** max |actual − expected| / max |expected|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let maxDifference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDifference = Math.max(maxDifference, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return maxDifference / Math.max(scale, 1e-12);
}
