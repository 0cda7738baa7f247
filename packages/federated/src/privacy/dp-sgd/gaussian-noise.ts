import { TesseraError, tf } from '@tessera/core';

/** Draws the Gaussian noise DP-SGD adds to each parameter's clipped gradient sum. */
export interface GaussianNoise {
  /** `secure`: from the operating system's CSPRNG; `seeded`: reproducible from a seed. */
  readonly source: 'secure' | 'seeded';
  /** N(0, standardDeviation²) of `shape`, for optimizer step `step` and parameter number `index`. */
  sample(shape: number[], standardDeviation: number, step: number, index: number): tf.Tensor;
}

/** Fills `target` with uint32s. */
type UintSource = (target: Uint32Array) => void;

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32: fast, 2^128 − 1 period. */
function xoshiro128(seedWords: number[]): UintSource {
  let mix = 0;
  const splitmix = () => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  for (const word of seedWords) mix = (mix ^ Math.imul(word | 0, 0x27d4eb2d)) + splitmix();
  const state = new Uint32Array([splitmix(), splitmix(), splitmix(), splitmix()]);
  return (target) => {
    for (let index = 0; index < target.length; index++) {
      const [s0, s1, s2, s3] = state as unknown as [number, number, number, number];
      const product = Math.imul(s1, 5);
      target[index] = Math.imul((product << 7) | (product >>> 25), 9);
      const shifted = s1 << 9;
      state[2] = s2 ^ s0;
      state[3] = s3 ^ s1;
      state[1] = s1 ^ (state[2] as number);
      state[0] = s0 ^ (state[3] as number);
      state[2] = (state[2] as number) ^ shifted;
      state[3] = ((state[3] as number) << 11) | ((state[3] as number) >>> 21);
    }
  };
}

/** crypto.getRandomValues, which fills at most 65,536 bytes per call. */
const secureSource: UintSource = (target) => {
  for (let offset = 0; offset < target.length; offset += 16384) {
    globalThis.crypto.getRandomValues(target.subarray(offset, Math.min(target.length, offset + 16384)));
  }
};

/** Box–Muller from uniform words: three per pair of normals, u₁ with 53 bits so the tails reach ~8.6σ. */
function fillNormals(source: UintSource, count: number, standardDeviation: number): Float32Array {
  const pairs = Math.ceil(count / 2);
  const words = new Uint32Array(pairs * 3);
  source(words);
  const values = new Float32Array(pairs * 2);
  for (let pair = 0; pair < pairs; pair++) {
    const high = (words[3 * pair] as number) >>> 5; // 27 bits
    const low = (words[3 * pair + 1] as number) >>> 6; // 26 bits
    const uniform = (high * 67108864 + low + 1) / 9007199254740992; // (0, 1]
    const angle = ((words[3 * pair + 2] as number) / 4294967296) * 2 * Math.PI;
    const radius = Math.sqrt(-2 * Math.log(uniform)) * standardDeviation;
    values[2 * pair] = radius * Math.cos(angle);
    values[2 * pair + 1] = radius * Math.sin(angle);
  }
  return count === values.length ? values : values.subarray(0, count);
}

/**
 * The noise source DP-SGD uses. Without a seed the noise comes from the operating system's
 * cryptographically secure generator, as a deployment should use (Opacus's secure_mode); with a
 * seed, from xoshiro128** keyed by (seed, step, parameter), so a run — and a resumed one — is
 * reproducible, but its noise is predictable by anyone who knows the seed: for experiments only.
 */
export function createGaussianNoise(options: { seed?: number } = {}): GaussianNoise {
  const { seed } = options;
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new TesseraError('E_DP_OPTION', `seed must be a safe integer, got ${seed}`);
  }
  return {
    source: seed === undefined ? 'secure' : 'seeded',
    sample(shape, standardDeviation, step, index) {
      const count = shape.reduce((product, size) => product * size, 1);
      const source =
        seed === undefined ? secureSource : xoshiro128([seed % 4294967296, Math.floor(seed / 4294967296), step, index]);
      return tf.tensor(fillNormals(source, count, standardDeviation), shape, 'float32');
    },
  };
}
