import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LlamaHuggingFaceConfig } from './llama-hugging-face-config.js';
import { llamaConfigFromHuggingFace } from './llama-hugging-face-config.js';
import { applyRotaryEmbedding, RotaryEmbedding, ropeInverseFrequencies } from './rotary-embedding.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface RotaryReference {
  inverse_frequencies: number[];
  rotary_positions: number[];
  rotary_cos: number[];
  rotary_sin: number[];
  config?: LlamaHuggingFaceConfig;
}
let references: Record<string, RotaryReference>;
const configs: Record<string, LlamaHuggingFaceConfig> = {};

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  references = JSON.parse(await readFile(join(fixtures, 'reference-outputs.json'), 'utf8'));
  for (const name of ['tiny-llama', 'tiny-qwen2']) {
    configs[name] = JSON.parse(await readFile(join(fixtures, name, 'config.json'), 'utf8'));
  }
  configs['tiny-mistral'] = references['tiny-mistral']?.config as LlamaHuggingFaceConfig;
});

const relativeDifference = (actual: ArrayLike<number>, expected: readonly number[]) =>
  Math.max(...expected.map((value, i) => Math.abs((actual[i] as number) - value) / Math.abs(value)));

describe('ropeInverseFrequencies', () => {
  it("equals PyTorch's (modeling_rope_utils) for llama3 scaling, and unscaled at two bases", () => {
    // tiny-llama: llama3 with some frequencies kept, one interpolated, the rest divided by 8.
    for (const name of ['tiny-llama', 'tiny-qwen2', 'tiny-mistral']) {
      const config = llamaConfigFromHuggingFace(configs[name] as LlamaHuggingFaceConfig);
      const frequencies = ropeInverseFrequencies(config.headSize, config.ropeTheta, config.ropeScaling);
      expect(relativeDifference(frequencies, references[name]?.inverse_frequencies as number[]), name).toBeLessThan(
        2e-7,
      );
    }
  });

  it('linear scaling divides every frequency by the factor; llama3 leaves short wavelengths and divides long ones', () => {
    const plain = ropeInverseFrequencies(64, 10000);
    const linear = ropeInverseFrequencies(64, 10000, { type: 'linear', factor: 4 });
    for (const [i, frequency] of plain.entries()) expect(linear[i]).toBe(frequency / 4);
    const llama3 = ropeInverseFrequencies(64, 500000, {
      type: 'llama3',
      factor: 8,
      lowFrequencyFactor: 1,
      highFrequencyFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    const unscaled = ropeInverseFrequencies(64, 500000);
    unscaled.forEach((frequency, i) => {
      const wavelength = (2 * Math.PI) / frequency;
      if (wavelength < 8192 / 4) expect(llama3[i]).toBe(frequency);
      else if (wavelength > 8192) expect(llama3[i]).toBeCloseTo(frequency / 8, 12);
      else expect(llama3[i]).toBeLessThan(frequency);
    });
  });
});

describe('RotaryEmbedding.angles', () => {
  it("equals PyTorch's cos and sin up to position 5000 (angles rounded to float32 as PyTorch's are)", async () => {
    for (const name of ['tiny-llama', 'tiny-qwen2']) {
      const config = llamaConfigFromHuggingFace(configs[name] as LlamaHuggingFaceConfig);
      const rotary = new RotaryEmbedding(config.headSize, config.ropeTheta, config.ropeScaling);
      const reference = references[name] as RotaryReference;
      const half = config.headSize / 2;
      let maximum = 0;
      for (const [row, position] of reference.rotary_positions.entries()) {
        const { cos, sin } = rotary.angles(position, 1);
        const [cosValues, sinValues] = [await cos.data(), await sin.data()];
        tf.dispose([cos, sin]);
        for (let i = 0; i < half; i++) {
          // PyTorch's tables repeat the half: cat(freqs, freqs).
          maximum = Math.max(
            maximum,
            Math.abs((cosValues[i] as number) - (reference.rotary_cos[row * 2 * half + i] as number)),
            Math.abs((sinValues[i] as number) - (reference.rotary_sin[row * 2 * half + i + half] as number)),
          );
        }
      }
      expect(maximum, name).toBeLessThan(1e-6);
    }
  });
});

describe('applyRotaryEmbedding', () => {
  it("rotates (first half, second half) pairs: norms kept, and q·k depends only on the positions' difference", async () => {
    const rotary = new RotaryEmbedding(8, 10000);
    const query = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 1);
    const key = tf.randomNormal([1, 1, 1, 8], 0, 1, 'float32', 2);
    const at = (x: tf.Tensor, position: number) => {
      const { cos, sin } = rotary.angles(position, 1);
      return applyRotaryEmbedding(x, cos, sin);
    };
    const dot = async (a: tf.Tensor, b: tf.Tensor) => (await tf.sum(tf.mul(a, b)).data())[0] as number;
    expect(await dot(at(query, 5), at(query, 5))).toBeCloseTo(await dot(query, query), 4);
    expect(await dot(at(query, 7), at(key, 3))).toBeCloseTo(await dot(at(query, 104), at(key, 100)), 4);
    // Hugging Face pairs element i with i + 4 (rotate_half), not with i + 1.
    const unit = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 8]);
    const rotated = Array.from(await at(unit, 1).data());
    expect(rotated[0]).toBeCloseTo(Math.cos(1), 6);
    expect(rotated[4]).toBeCloseTo(Math.sin(1), 6);
    expect(rotated.filter((_, i) => i !== 0 && i !== 4)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
