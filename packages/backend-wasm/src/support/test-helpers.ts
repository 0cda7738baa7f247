import * as tf from '@tensorflow/tfjs-core';

/**
 * Seeded floats in [0, 1) (mulberry32), so every random test case is reproducible. This package
 * cannot use core's generator (core depends on it), and kernel tests need no more than this.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
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
