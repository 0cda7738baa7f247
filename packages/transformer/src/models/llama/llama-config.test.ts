import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, isTesseraError, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained } from '../../index.js';
import { Llama } from './llama.js';
import { type LlamaConfig, llamaConfig, llamaPresetNames, validateLlamaConfig } from './llama-config.js';
import {
  type LlamaHuggingFaceConfig,
  llamaConfigFromHuggingFace,
  llamaConfigToHuggingFace,
} from './llama-hugging-face-config.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
let tinyLlama: LlamaHuggingFaceConfig;
let tinyQwen2: LlamaHuggingFaceConfig;
let tinyMistral: LlamaHuggingFaceConfig;
let scratch: string;

beforeAll(async () => {
  const read = async (path: string) => JSON.parse(await readFile(join(fixtures, path), 'utf8'));
  tinyLlama = await read('tiny-llama/config.json');
  tinyQwen2 = await read('tiny-qwen2/config.json');
  tinyMistral = (await read('reference-outputs.json'))['tiny-mistral'].config;
  scratch = await mkdtemp(join(tmpdir(), 'tessera-llama-config-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The TesseraError code `run` throws (failing the test when it throws something else or nothing). */
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

describe('llamaConfig', () => {
  it('builds every preset; derives headSize when embeddingSize or headCount change', () => {
    for (const name of llamaPresetNames) expect(validateLlamaConfig(llamaConfig(name))).toBeDefined();
    expect(llamaConfig('smollm2-135m').headSize).toBe(576 / 9);
    expect(llamaConfig('tiny', { embeddingSize: 48, headCount: 4 }).headSize).toBe(12);
    expect(llamaConfig('tiny', { embeddingSize: 48, headSize: 16 }).headSize).toBe(16);
    expect(codeOf(() => llamaConfig('nope' as never))).toBe('E_LLAMA_PRESET');
  });

  it('refuses fields shapes would come from when they are not positive integers, or heads that do not group', () => {
    const bad: Array<Partial<LlamaConfig>> = [
      { keyValueHeadCount: 3 }, // does not divide 4 heads
      { embeddingSize: -32, headSize: 8 },
      { layerCount: 0 },
      { feedForwardSize: 2.5 },
      { vocabularySize: '64' as never },
      { headSize: 7 }, // rotary pairs
      { normEpsilon: 0 },
      { ropeTheta: Number.NaN },
      { tieWordEmbeddings: 'yes' as never },
      { slidingWindow: 0 },
      { family: 'gemma' as never },
      { ropeScaling: { type: 'yarn' } as never },
      {
        ropeScaling: {
          type: 'llama3',
          factor: 8,
          lowFrequencyFactor: 4,
          highFrequencyFactor: 4,
          originalMaxPositionEmbeddings: 8192,
        },
      },
    ];
    for (const overrides of bad) {
      expect(
        codeOf(() => llamaConfig('tiny', overrides)),
        JSON.stringify(overrides),
      ).toBe('E_LLAMA_CONFIG');
    }
    expect(codeOf(() => llamaConfig('tiny', { embeddingSize: 30 }))).toBe('E_LLAMA_CONFIG'); // 30 / 4 heads
    expect(codeOf(() => new Llama({ ...llamaConfig('tiny'), keyValueHeadCount: 3 }))).toBe('E_LLAMA_CONFIG');
  });
});

describe('llamaConfigFromHuggingFace', () => {
  it("reads each family's conventions: Llama's attention_bias, Qwen2's q/k/v bias, Mistral's sliding window", () => {
    expect(llamaConfigFromHuggingFace(tinyLlama)).toEqual({
      family: 'llama',
      vocabularySize: 128,
      blockSize: 256,
      layerCount: 2,
      headCount: 4,
      keyValueHeadCount: 2,
      embeddingSize: 64,
      headSize: 20,
      feedForwardSize: 96,
      normEpsilon: 1e-5,
      ropeTheta: 500000,
      ropeScaling: {
        type: 'llama3',
        factor: 8,
        lowFrequencyFactor: 1,
        highFrequencyFactor: 4,
        originalMaxPositionEmbeddings: 64,
      },
      queryKeyValueBias: false,
      outputBias: false,
      feedForwardBias: false,
      tieWordEmbeddings: false,
    });
    const qwen2 = llamaConfigFromHuggingFace(tinyQwen2);
    expect(qwen2).toMatchObject({
      family: 'qwen2',
      headSize: 16,
      queryKeyValueBias: true,
      outputBias: false,
      tieWordEmbeddings: true,
    });
    expect(qwen2).not.toHaveProperty('slidingWindow'); // use_sliding_window: false
    expect(llamaConfigFromHuggingFace(tinyMistral)).toMatchObject({ family: 'mistral', slidingWindow: 4 });
    const { sliding_window: _, ...mistralDefaults } = tinyMistral;
    expect(llamaConfigFromHuggingFace(mistralDefaults as LlamaHuggingFaceConfig).slidingWindow).toBe(4096);
    expect(llamaConfigFromHuggingFace({ ...tinyMistral, sliding_window: null }).slidingWindow).toBeUndefined();
    const { num_key_value_heads: __, ...multiHead } = tinyQwen2;
    expect(llamaConfigFromHuggingFace(multiHead as LlamaHuggingFaceConfig).keyValueHeadCount).toBe(4);
    expect(llamaConfigFromHuggingFace({ ...tinyLlama, attention_bias: true })).toMatchObject({
      queryKeyValueBias: true,
      outputBias: true,
    });
    // transformers 5 spells rope_theta + rope_scaling as rope_parameters.
    const { rope_scaling, rope_theta, ...rest } = tinyLlama;
    expect(
      llamaConfigFromHuggingFace({
        ...rest,
        rope_parameters: { ...rope_scaling, rope_theta },
      } as LlamaHuggingFaceConfig),
    ).toEqual(llamaConfigFromHuggingFace(tinyLlama));
    expect(
      llamaConfigFromHuggingFace({ ...tinyLlama, rope_scaling: { type: 'linear', factor: 2 } }).ropeScaling,
    ).toEqual({
      type: 'linear',
      factor: 2,
    });
  });

  it('names the field of a malformed config.json (E_HF_CONFIG)', () => {
    const malformed: Array<[Record<string, unknown>, RegExp]> = [
      [{ num_key_value_heads: 3 }, /num_key_value_heads 3 must divide num_attention_heads 4/],
      [{ hidden_size: -64 }, /hidden_size must be a positive integer, got -64/],
      [{ num_hidden_layers: '2' }, /num_hidden_layers must be a positive integer, got "2"/],
      [{ intermediate_size: 95.5 }, /intermediate_size must be a positive integer/],
      [{ vocab_size: undefined }, /has no vocab_size/],
      [{ rms_norm_eps: 'small' }, /rms_norm_eps must be a positive number/],
      [{ tie_word_embeddings: 'yes' }, /tie_word_embeddings must be true or false/],
      [{ head_dim: 21 }, /head_dim 21 must be even/],
      [{ head_dim: null, hidden_size: 66 }, /hidden_size 66 must be divisible by num_attention_heads 4/],
      [{ hidden_act: 'gelu' }, /hidden_act "gelu" is not supported/],
      [{ rope_scaling: { rope_type: 'yarn', factor: 4 } }, /rope_scaling type "yarn" is not supported/],
      [{ rope_scaling: { rope_type: 'llama3', factor: 8 } }, /rope_scaling has no low_freq_factor/],
      [{ rope_scaling: 'llama3' }, /rope_scaling must be an object or null/],
      [{ partial_rotary_factor: 0.5 }, /partial_rotary_factor 0.5 is not supported/],
      [{ model_type: 'gemma' }, /not a Llama-family type/],
    ];
    for (const [change, message] of malformed) {
      const config = { ...tinyLlama, ...change } as LlamaHuggingFaceConfig;
      expect(() => llamaConfigFromHuggingFace(config), JSON.stringify(change)).toThrow(message);
      expect(codeOf(() => llamaConfigFromHuggingFace(config))).toBe('E_HF_CONFIG');
    }
    expect(() => llamaConfigFromHuggingFace({ ...tinyQwen2, use_sliding_window: true })).toThrow(
      /E_HF_CONFIG.*use_sliding_window/,
    );
  });

  it('loadPretrained fails on a malformed config.json before reading weights, leaving no tensor behind', async () => {
    await initBackend({ backend: 'wasm' });
    const directory = join(scratch, 'malformed');
    await rm(directory, { recursive: true, force: true });
    await import('node:fs/promises').then(({ mkdir }) => mkdir(directory));
    for (const file of [
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]) {
      await copyFile(join(fixtures, 'tiny-llama', file), join(directory, file));
    }
    const before = tf.memory().numTensors;
    await writeFile(join(directory, 'config.json'), JSON.stringify({ ...tinyLlama, num_key_value_heads: 3 }));
    await expect(loadPretrained(directory)).rejects.toThrow(/E_HF_CONFIG.*num_key_value_heads/);
    await writeFile(join(directory, 'config.json'), JSON.stringify({ ...tinyLlama, hidden_size: -1 }));
    await expect(loadPretrained(directory)).rejects.toThrow(/E_HF_CONFIG.*hidden_size/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('llamaConfigToHuggingFace', () => {
  it('writes a loaded config.json back unchanged', () => {
    for (const original of [tinyLlama, tinyQwen2, tinyMistral]) {
      expect(llamaConfigToHuggingFace(llamaConfigFromHuggingFace(original), original)).toEqual(original);
    }
  });

  it('writes configs that read back as the same Tessera config, for every family and preset', () => {
    const configs = [
      ...llamaPresetNames.map((name) => llamaConfig(name)),
      llamaConfig('tiny', { family: 'mistral', slidingWindow: 16, headSize: 16 }),
      llamaConfig('tiny', { queryKeyValueBias: true, outputBias: true, feedForwardBias: true }),
      llamaConfig('tiny', { ropeScaling: { type: 'linear', factor: 2 }, ropeTheta: 1e6 }),
    ];
    for (const config of configs) {
      const written = llamaConfigToHuggingFace(config);
      expect(written.architectures).toHaveLength(1);
      expect(llamaConfigFromHuggingFace(written), JSON.stringify(config)).toEqual(config);
    }
  });

  it("refuses what the family's config.json cannot express", () => {
    const cannot: Array<Partial<LlamaConfig>> = [
      { queryKeyValueBias: true }, // llama: attention_bias covers o_proj too
      { slidingWindow: 8 }, // llama has none
      { family: 'qwen2' }, // qwen2 always has q/k/v bias
      { family: 'mistral', feedForwardBias: true },
    ];
    for (const overrides of cannot) {
      expect(
        codeOf(() => llamaConfigToHuggingFace(llamaConfig('tiny', overrides))),
        JSON.stringify(overrides),
      ).toBe('E_HF_CONFIG');
    }
  });
});
