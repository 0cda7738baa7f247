import * as tf from '@tensorflow/tfjs-core';

/** Seeded floats in [0, 1) (mulberry32), so every random test case is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomValues(random: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => random() * 2 - 1);
}

/**
 * Runs `compute` with `backendName` active and returns its outputs' shapes and values (read
 * asynchronously: webgpu cannot read synchronously in Node). Fails when a tensor leaks.
 */
export async function runOn(
  backendName: string,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; dtype: string; values: Float32Array | Int32Array }[]> {
  await tf.setBackend(backendName);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(() => {
    const result = compute();
    return Array.isArray(result) ? result : [result];
  });
  const results = await Promise.all(
    outputs.map(async (output) => ({
      shape: output.shape,
      dtype: output.dtype,
      values: (await output.data()) as Float32Array | Int32Array,
    })),
  );
  tf.dispose(outputs);
  if (tf.memory().numTensors !== before) {
    throw new Error(`leaked ${tf.memory().numTensors - before} tensors on ${backendName}`);
  }
  return results;
}

/** max |actual − expected| / max(1, |expected|) over all elements: relative for large values, absolute near zero. */
export function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const reference = expected[i] as number;
    const difference = Math.abs((actual[i] as number) - reference) / Math.max(1, Math.abs(reference));
    // A NaN on either side is a mismatch, not a zero difference.
    worst = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : Math.max(worst, difference);
  }
  return worst;
}

/** The bytes of GPU buffers tfjs-backend-webgpu has in use (undefined on other backends). */
export function gpuBytesInUse(): number | undefined {
  return (tf.memory() as unknown as { numBytesInGPU?: number }).numBytesInGPU;
}
