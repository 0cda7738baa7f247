import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, initBackend, loadSafetensors, readSafetensorsHeader, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generation/generate.js';
// The package entry, which registers every Hugging Face architecture (in its order).
import { loadPretrained, savePretrained, supportedModelTypes } from '../../index.js';
import type { Llama } from './llama.js';
import type { PretrainedLlama } from './llama-pretrained.js';
import { saveLlamaPretrained } from './save-llama-pretrained.js';

/** Written by fixtures/make-reference.py: a PyTorch re-implementation of transformers' Llama, Mistral and Qwen2. */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tinyLlama = join(fixtures, 'tiny-llama'); // BF16, two shards + index, GQA, llama3 rope_scaling, untied head
const tinyQwen2 = join(fixtures, 'tiny-qwen2'); // F16, one file, q/k/v bias, tied embeddings

interface Reference {
  input_ids: number[][];
  logits_shape: number[];
  logits: number[];
  greedy_prompt: number[];
  greedy_tokens: number[];
  config?: Record<string, unknown>;
}
let references: Record<'tiny-llama' | 'tiny-mistral' | 'tiny-qwen2', Reference>;
let scratch: string;
let tinyMistral: string;

beforeAll(async () => {
  references = JSON.parse(await readFile(join(fixtures, 'reference-outputs.json'), 'utf8'));
  scratch = await mkdtemp(join(tmpdir(), 'tessera-llama-'));
  // tiny-llama's shards under a Mistral config (sliding window 4, no rope_scaling), as the script computed it.
  tinyMistral = join(scratch, 'tiny-mistral');
  await mkdir(tinyMistral);
  for (const file of await readdir(tinyLlama)) {
    if (file !== 'config.json') await copyFile(join(tinyLlama, file), join(tinyMistral, file));
  }
  await writeFile(join(tinyMistral, 'config.json'), JSON.stringify(references['tiny-mistral'].config));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const load = async (directory: string) => (await loadPretrained(directory)) as PretrainedLlama;

async function maximumDifference(model: Llama, reference: Reference): Promise<number> {
  const ids = tf.tensor2d(reference.input_ids, undefined, 'int32');
  const logits = model.forward(ids);
  expect(logits.shape).toEqual(reference.logits_shape);
  const actual = await logits.data();
  tf.dispose([ids, logits]);
  let maximum = 0;
  reference.logits.forEach((value, index) => {
    maximum = Math.max(maximum, Math.abs(value - (actual[index] as number)));
  });
  return maximum;
}

describe('loadPretrained (Llama family)', () => {
  it('registers llama, mistral and qwen2 after gpt2 and bert', () => {
    expect(supportedModelTypes).toEqual(['gpt2', 'bert', 'llama', 'mistral', 'qwen2']);
  });

  for (const backend of ['wasm', 'cpu'] as BackendName[]) {
    it(`reproduces PyTorch's float32 logits within 1e-4: sharded BF16 llama, mistral's sliding window, F16 qwen2 (${backend})`, async () => {
      await initBackend({ backend });
      for (const [name, directory] of [
        ['tiny-llama', tinyLlama],
        ['tiny-mistral', tinyMistral],
        ['tiny-qwen2', tinyQwen2],
      ] as const) {
        const loaded = await load(directory);
        expect(loaded.modelType).toBe(name.slice('tiny-'.length));
        expect(loaded.model.training).toBe(false);
        const difference = await maximumDifference(loaded.model, references[name]);
        expect(difference, name).toBeLessThan(1e-4);
        loaded.model.dispose();
      }
    });
  }

  it('describes what it loaded: the architecture, a tied head with no lm_head, the config as read', async () => {
    await initBackend({ backend: 'wasm' });
    const llama = await load(tinyLlama);
    expect(llama.architecture).toBe('LlamaForCausalLM');
    expect(llama.model.config).toMatchObject({ keyValueHeadCount: 2, headSize: 20, tieWordEmbeddings: false });
    expect(llama.model.config.ropeScaling?.type).toBe('llama3');
    expect(llama.huggingFaceConfig).toEqual(JSON.parse(await readFile(join(tinyLlama, 'config.json'), 'utf8')));
    const qwen2 = await load(tinyQwen2);
    expect(qwen2.architecture).toBe('Qwen2ForCausalLM');
    expect(qwen2.model.languageModelHead).toBeUndefined();
    expect(qwen2.model.config).toMatchObject({ queryKeyValueBias: true, outputBias: false, keyValueHeadCount: 1 });
    llama.model.dispose();
    qwen2.model.dispose();
  });

  it("generates PyTorch's greedy continuation, with the key/value cache and without", async () => {
    await initBackend({ backend: 'wasm' });
    for (const [name, directory] of [
      ['tiny-llama', tinyLlama],
      ['tiny-mistral', tinyMistral],
      ['tiny-qwen2', tinyQwen2],
    ] as const) {
      const { model } = await load(directory);
      const reference = references[name];
      const options = { maxNewTokens: reference.greedy_tokens.length, temperature: 0 };
      const asGenerator = model;
      expect(await generate(asGenerator, reference.greedy_prompt, options), name).toEqual(reference.greedy_tokens);
      expect(await generate(asGenerator, reference.greedy_prompt, { ...options, useCache: false }), name).toEqual(
        reference.greedy_tokens,
      );
      model.dispose();
    }
  });
});

describe('savePretrained (Llama family)', () => {
  it('round-trips exactly: the same tensors in the same dtype under the same names, the same config', async () => {
    await initBackend({ backend: 'wasm' });
    for (const directory of [tinyLlama, tinyQwen2]) {
      const loaded = await load(directory);
      const saved = join(scratch, `saved-${loaded.modelType}`);
      await savePretrained(loaded.model, saved, { huggingFaceConfig: loaded.huggingFaceConfig });
      expect(JSON.parse(await readFile(join(saved, 'config.json'), 'utf8'))).toEqual(loaded.huggingFaceConfig);
      // Below the default shard size: one file, in the dtype config.json names (BF16 / F16, as the originals).
      expect((await readdir(saved)).sort()).toEqual(['config.json', 'model.safetensors']);
      const original = await loadAllShards(directory);
      const copy = await loadSafetensors(join(saved, 'model.safetensors'));
      expect(Object.keys(copy.tensors).sort()).toEqual(Object.keys(original.tensors).sort());
      const dtypes = (path: string) =>
        readSafetensorsHeader(path).then(({ tensors }) => new Set(tensors.map((info) => info.dtype)));
      expect(await dtypes(join(saved, 'model.safetensors'))).toEqual(
        new Set([loaded.modelType === 'qwen2' ? 'F16' : 'BF16']),
      );
      for (const [name, tensor] of Object.entries(original.tensors)) {
        expect(Array.from(await (copy.tensors[name] as tf.Tensor).data()), name).toEqual(
          Array.from(await tensor.data()),
        );
      }
      const again = await load(saved);
      for (const [name, parameter] of again.model.namedParameters()) {
        const before = loaded.model.stateDict()[name] as tf.Tensor;
        expect(Array.from(await parameter.data()), name).toEqual(Array.from(await before.data()));
      }
      tf.dispose([...Object.values(original.tensors), ...Object.values(copy.tensors)]);
      loaded.model.dispose();
      again.model.dispose();
    }
  });

  it('shards above maxShardSize with an index, loadable again; a later single-file save removes the shards', async () => {
    await initBackend({ backend: 'wasm' });
    const loaded = await load(tinyLlama);
    const saved = join(scratch, 'sharded');
    await saveLlamaPretrained(loaded.model, saved, {
      huggingFaceConfig: { ...loaded.huggingFaceConfig, torch_dtype: 'float32' },
      maxShardSize: 100_000,
    });
    const files = (await readdir(saved)).sort();
    const shardFiles = files.filter((file) => file.startsWith('model-'));
    expect(shardFiles.length).toBeGreaterThan(2); // ~337 kB in F32
    expect(files).toContain('model.safetensors.index.json');
    const index = JSON.parse(await readFile(join(saved, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(loaded.model.parameterCount() * 4);
    for (const file of shardFiles) {
      const header = await readSafetensorsHeader(join(saved, file));
      expect(header.byteBufferLength).toBeLessThanOrEqual(100_000);
      for (const info of header.tensors) expect(index.weight_map[info.name]).toBe(file);
    }
    const again = await load(saved);
    expect(await maximumDifference(again.model, references['tiny-llama'])).toBeLessThan(1e-4);
    await saveLlamaPretrained(again.model, saved, { huggingFaceConfig: again.huggingFaceConfig });
    expect((await readdir(saved)).sort()).toEqual(['config.json', 'model.safetensors']);
    loaded.model.dispose();
    again.model.dispose();
  });
});

describe('checkpoints that do not fit', () => {
  async function variant(name: string, change: (directory: string) => Promise<void>): Promise<string> {
    const directory = join(scratch, name);
    await mkdir(directory);
    for (const file of await readdir(tinyLlama)) await copyFile(join(tinyLlama, file), join(directory, file));
    await change(directory);
    return directory;
  }
  const editJson = async (path: string, edit: (value: Record<string, unknown>) => void) => {
    const value = JSON.parse(await readFile(path, 'utf8'));
    edit(value);
    await writeFile(path, JSON.stringify(value));
  };

  it('lists every problem before reading a value; leaves no tensor allocated', async () => {
    await initBackend({ backend: 'wasm' });
    const before = tf.memory().numTensors;
    // Two layers' worth of shards under a config with three layers and a different vocabulary.
    const mismatched = await variant('mismatched', (directory) =>
      editJson(join(directory, 'config.json'), (config) => {
        config.num_hidden_layers = 3;
        config.vocab_size = 100;
      }),
    );
    const error = (await loadPretrained(mismatched).then(
      () => new Error('loaded'),
      (caught: Error) => caught,
    )) as Error;
    expect(error.message).toMatch(/E_HF_WEIGHTS/);
    expect(error.message).toMatch(/'model\.embed_tokens\.weight' has shape \[128,64\], expected \[100,64\]/);
    expect(error.message).toMatch(/'lm_head\.weight' has shape \[128,64\], expected \[100,64\]/);
    expect(error.message).toMatch(/missing 'model\.layers\.2\.self_attn\.q_proj\.weight'/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an index that points at a missing shard, outside its directory, or at the wrong shard', async () => {
    await initBackend({ backend: 'wasm' });
    const indexFile = 'model.safetensors.index.json';
    const outside = await variant('outside', (directory) =>
      editJson(join(directory, indexFile), (index) => {
        (index.weight_map as Record<string, string>)['model.norm.weight'] = '../tiny-qwen2/model.safetensors';
      }),
    );
    await expect(loadPretrained(outside)).rejects.toThrow(
      /E_HF_WEIGHTS.*not a \.safetensors file name in the same directory/,
    );
    const wrongShard = await variant('wrong-shard', (directory) =>
      editJson(join(directory, indexFile), (index) => {
        (index.weight_map as Record<string, string>)['model.embed_tokens.weight'] = 'model-00002-of-00002.safetensors';
      }),
    );
    await expect(loadPretrained(wrongShard)).rejects.toThrow(
      /E_HF_WEIGHTS.*'model\.embed_tokens\.weight'.*it is in model-00001/,
    );
    const missingShard = await variant('missing-shard', (directory) =>
      rm(join(directory, 'model-00002-of-00002.safetensors')),
    );
    await expect(loadPretrained(missingShard)).rejects.toThrow(/E_SAFETENSORS_IO/);
    const noWeights = await variant('no-weights', async (directory) => {
      await rm(join(directory, indexFile));
    });
    await expect(loadPretrained(noWeights)).rejects.toThrow(/E_HF_WEIGHTS.*neither model\.safetensors nor/);
  });

  it("loads tokenizer.json with the weights when present, and saves it back (Llama 2's and Qwen3's real files)", async () => {
    await initBackend({ backend: 'wasm' });
    const { HuggingFaceTokenizer } = await import('../../tokenizers/hugging-face-tokenizer.js');
    const { readReferenceFiles } = await import('../../tokenizers/fixtures/reference-tokenizers.js');
    expect((await load(tinyQwen2)).tokenizer).toBeUndefined(); // the fixture has no tokenizer files
    for (const [directory, files] of [
      [tinyLlama, 'llama2'],
      [tinyQwen2, 'qwen3'],
    ] as const) {
      const withTokenizer = join(scratch, `with-tokenizer-${files}`);
      await mkdir(withTokenizer, { recursive: true });
      for (const file of await readdir(directory)) await copyFile(join(directory, file), join(withTokenizer, file));
      const { tokenizerText, tokenizerConfig } = readReferenceFiles(files);
      await writeFile(join(withTokenizer, 'tokenizer.json'), tokenizerText);
      await writeFile(join(withTokenizer, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
      const loaded = await load(withTokenizer);
      expect(loaded.tokenizer).toBeInstanceOf(HuggingFaceTokenizer);
      const tokenizer = loaded.tokenizer as InstanceType<typeof HuggingFaceTokenizer>;
      const saved = join(scratch, `saved-with-tokenizer-${files}`);
      await savePretrained(loaded.model, saved, { huggingFaceConfig: loaded.huggingFaceConfig, tokenizer });
      expect((await readdir(saved)).sort()).toEqual([
        'config.json',
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      expect(JSON.parse(await readFile(join(saved, 'tokenizer.json'), 'utf8'))).toEqual(JSON.parse(tokenizerText));
      expect(JSON.parse(await readFile(join(saved, 'tokenizer_config.json'), 'utf8'))).toEqual(tokenizerConfig);
      const again = await load(saved);
      const text = 'Hello, 世界! <|im_start|> <s>';
      expect(again.tokenizer?.encode(text)).toEqual(tokenizer.encode(text));
      loaded.model.dispose();
      again.model.dispose();
    }
    // A malformed tokenizer.json fails the load before any weight is read.
    const broken = join(scratch, 'broken-tokenizer');
    await mkdir(broken, { recursive: true });
    for (const file of await readdir(tinyQwen2)) await copyFile(join(tinyQwen2, file), join(broken, file));
    await writeFile(join(broken, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": []}}');
    const tensorsBefore = tf.memory().numTensors;
    await expect(loadPretrained(broken)).rejects.toThrow(/E_TOKENIZER_FORMAT/);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('refuses a BERT head for a llama directory and tokenizers it cannot write', async () => {
    await initBackend({ backend: 'wasm' });
    await expect(loadPretrained(tinyLlama, { architecture: 'BertForSequenceClassification' } as never)).rejects.toThrow(
      /E_HF_OPTION/,
    );
    const { model } = await load(tinyLlama);
    const { ByteLevelBPETokenizer } = await import('../../tokenizers/byte-level-bpe-tokenizer.js');
    const tokenizer = new ByteLevelBPETokenizer({ a: 0 }, []);
    await expect(savePretrained(model, join(scratch, 'with-tokenizer'), { tokenizer })).rejects.toThrow(
      /E_HF_TOKENIZER/,
    );
    model.dispose();
  });
});

async function loadAllShards(directory: string): Promise<{ tensors: Record<string, tf.Tensor> }> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const file of await readdir(directory)) {
    if (file.endsWith('.safetensors')) Object.assign(tensors, (await loadSafetensors(join(directory, file))).tensors);
  }
  return { tensors };
}
