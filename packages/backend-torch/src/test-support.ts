// Shared by the test files: run the same computation on the cpu reference backend and on torch.
import { tf } from '@tessera/core';
import '@tensorflow/tfjs-backend-cpu';
import { torchAvailability } from './register.js';

export const availability = torchAvailability('cpu');
/** Why the native tests are skipped, when they are: the addon was not built here. */
export const skipReason = availability.available ? '' : `torch backend unavailable: ${availability.detail}`;

/** A seeded uniform generator (mulberry32), so random shapes and values repeat run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32' | 'bool';
  /** Values are drawn uniformly from [low, high) (integers for int32). */
  low?: number;
  high?: number;
}

export function makeValues(spec: InputSpec, random: () => number): Float32Array | Int32Array | Uint8Array {
  const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
  const low = spec.low ?? -2;
  const high = spec.high ?? 2;
  if (spec.dtype === 'int32') return Int32Array.from({ length: size }, () => Math.floor(low + random() * (high - low)));
  if (spec.dtype === 'bool') return Uint8Array.from({ length: size }, () => (random() < 0.5 ? 1 : 0));
  return Float32Array.from({ length: size }, () => low + random() * (high - low));
}

/** Runs `compute` on `backendName` over fresh tensors of `values`; returns plain arrays, frees the rest. */
export async function runOn(
  backendName: string,
  specs: InputSpec[],
  values: (Float32Array | Int32Array | Uint8Array)[],
  compute: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<{ shape: number[]; dtype: string; values: number[] }[]> {
  await tf.setBackend(backendName);
  const inputs = specs.map((spec, index) => tf.tensor(values[index]!, spec.shape, spec.dtype ?? 'float32'));
  const outputs = tf.tidy(() => {
    const result = compute(...inputs);
    return Array.isArray(result) ? result : [result];
  });
  const results = outputs.map((output) => ({
    shape: output.shape,
    dtype: output.dtype,
    values: Array.from(output.dataSync()),
  }));
  tf.dispose([...inputs, ...outputs]);
  return results;
}

/** The largest |a - b| relative to max(1, |b|), over paired values. */
export function maxRelativeDifference(actual: number[], expected: number[]): number {
  let worst = 0;
  for (let index = 0; index < expected.length; index++) {
    const a = actual[index]!;
    const b = expected[index]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
  }
  return worst;
}
