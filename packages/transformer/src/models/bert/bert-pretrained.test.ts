import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BackendName,
  createRandomGenerator,
  initBackend,
  loadSafetensors,
  saveSafetensors,
  tf,
} from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The package entry, which registers every Hugging Face architecture (in its order).
import { loadPretrained, savePretrained } from '../../index.js';
import type { Bert, BertInputs } from './bert.js';

/** Written by fixtures/tiny-bert/generate.py: a PyTorch re-implementation of transformers' BERT. */
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/tiny-bert');
const maskedLanguageModel = join(fixtures, 'masked-lm');
const sequenceClassifier = join(fixtures, 'sequence-classification');

interface Reference {
  texts: Array<string | [string, string]>;
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  last_hidden_state: number[][][];
  pooler_output: number[][];
  masked_lm_logits: number[][][];
  sequence_classification_logits: number[][];
}

let reference: Reference;
let directory: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  reference = JSON.parse(await readFile(join(fixtures, 'reference-outputs.json'), 'utf8'));
  directory = await mkdtemp(join(tmpdir(), 'tessera-hf-bert-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const inputs = (): [tf.Tensor, BertInputs] => [
  tf.tensor2d(reference.input_ids, undefined, 'int32'),
  {
    tokenTypeIds: tf.tensor2d(reference.token_type_ids, undefined, 'int32'),
    attentionMask: tf.tensor2d(reference.attention_mask, undefined, 'int32'),
  },
];

/** Largest |actual − expected| over all elements; disposes `actual`. */
async function maximumError(actual: tf.Tensor, expected: unknown[], shape: number[]): Promise<number> {
  expect(actual.shape).toEqual(shape);
  const values = await actual.data();
  actual.dispose();
  const flat = expected.flat(3) as number[];
  expect(values.length).toBe(flat.length);
  return Math.max(...Array.from(values, (value, i) => Math.abs(value - (flat[i] as number))));
}

/** Runs `compute` on the reference inputs inside tidy, so nothing but the result survives. */
function run(compute: (ids: tf.Tensor, bertInputs: BertInputs) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => compute(...inputs()));
}

const encode = (bert: Bert) => run((ids, bertInputs) => bert.forward(ids, bertInputs));
const pool = (bert: Bert) => run((ids, bertInputs) => bert.pool(bert.forward(ids, bertInputs)));

async function expectSameSafetensors(copyPath: string, originalPath: string): Promise<string[]> {
  const original = await loadSafetensors(originalPath);
  const copy = await loadSafetensors(copyPath);
  expect(Object.keys(copy.tensors).sort()).toEqual(Object.keys(original.tensors).sort());
  for (const [name, tensor] of Object.entries(original.tensors)) {
    expect(Array.from(await (copy.tensors[name] as tf.Tensor).data()), name).toEqual(Array.from(await tensor.data()));
  }
  expect(copy.metadata).toEqual({ format: 'pt' });
  tf.dispose([...Object.values(original.tensors), ...Object.values(copy.tensors)]);
  return Object.keys(copy.tensors);
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

describe('loadPretrained (Hugging Face BERT) reproduces PyTorch', () => {
  for (const backend of ['wasm', 'cpu'] as BackendName[]) {
    it(`BertForMaskedLM: last hidden state and masked-LM logits within 1e-4 (${backend})`, async () => {
      await initBackend({ backend });
      const before = tf.memory().numTensors;
      const loaded = await loadPretrained(maskedLanguageModel, { modelType: 'bert', architecture: 'BertForMaskedLM' });
      expect(loaded.architecture).toBe('BertForMaskedLM');
      expect(loaded.unusedWeights).toEqual([]);
      expect(loaded.newlyInitializedWeights).toEqual([]);
      const model = loaded.model;
      expect(await maximumError(encode(model.bert), reference.last_hidden_state, [2, 16, 32])).toBeLessThan(1e-4);
      const logits = run((ids, bertInputs) => model.forward(ids, bertInputs));
      expect(await maximumError(logits, reference.masked_lm_logits, [2, 16, 52])).toBeLessThan(1e-4);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before); // loading and inference leak nothing
      await initBackend({ backend: 'wasm' });
    });

    it(`BertForSequenceClassification: pooler output and 3-label logits within 1e-4 (${backend})`, async () => {
      await initBackend({ backend });
      const { model, architecture, huggingFaceConfig, tokenizer } = await loadPretrained(sequenceClassifier, {
        modelType: 'bert',
        architecture: 'BertForSequenceClassification',
      });
      expect(architecture).toBe('BertForSequenceClassification');
      expect(huggingFaceConfig.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
      expect(tokenizer).toBeUndefined(); // no vocab.txt in that directory
      expect(await maximumError(encode(model.bert), reference.last_hidden_state, [2, 16, 32])).toBeLessThan(1e-4);
      expect(await maximumError(pool(model.bert), reference.pooler_output, [2, 32])).toBeLessThan(1e-4);
      const logits = run((ids, bertInputs) => model.forward(ids, bertInputs));
      expect(await maximumError(logits, reference.sequence_classification_logits, [2, 3])).toBeLessThan(1e-4);
      model.dispose();
      await initBackend({ backend: 'wasm' });
    });
  }

  it('picks the head from config.json architectures, in eval mode', async () => {
    const loaded = await loadPretrained(sequenceClassifier);
    expect(loaded.modelType === 'bert' && loaded.architecture).toBe('BertForSequenceClassification');
    expect(loaded.model.training).toBe(false);
    loaded.model.dispose();
  });

  it('the tokenizer from vocab.txt + tokenizer_config.json encodes the texts as the reference', async () => {
    const { model, tokenizer } = await loadPretrained(maskedLanguageModel, { modelType: 'bert' });
    const encoded = tokenizer?.encodeBatch(reference.texts);
    expect(encoded).toEqual({
      inputIds: reference.input_ids,
      tokenTypeIds: reference.token_type_ids,
      attentionMask: reference.attention_mask,
    });
    model.dispose();
  });

  it('a WordPiece tokenizer.json (no vocab.txt) gives the same encodings', async () => {
    const target = join(directory, 'tokenizer-json');
    await mkdir(target, { recursive: true });
    for (const file of ['config.json', 'model.safetensors'])
      await copyFile(join(maskedLanguageModel, file), join(target, file));
    const vocabulary = (await readFile(join(maskedLanguageModel, 'vocab.txt'), 'utf8')).split('\n').slice(0, -1);
    // The layout of the `tokenizers` library's tokenizer.json for bert-base-uncased.
    await writeFile(
      join(target, 'tokenizer.json'),
      JSON.stringify({
        version: '1.0',
        normalizer: {
          type: 'BertNormalizer',
          clean_text: true,
          handle_chinese_chars: true,
          strip_accents: null,
          lowercase: true,
        },
        pre_tokenizer: { type: 'BertPreTokenizer' },
        model: {
          type: 'WordPiece',
          unk_token: '[UNK]',
          continuing_subword_prefix: '##',
          max_input_chars_per_word: 100,
          vocab: Object.fromEntries(vocabulary.map((token, id) => [token, id])),
        },
      }),
    );
    const { model, tokenizer } = await loadPretrained(target, { modelType: 'bert' });
    expect(tokenizer?.encodeBatch(reference.texts).inputIds).toEqual(reference.input_ids);
    model.dispose();
  });
});

describe('savePretrained (Hugging Face BERT)', () => {
  it('round trip of BertForMaskedLM: identical tensors, config, vocab.txt and tokenizer_config.json', async () => {
    const before = tf.memory().numTensors;
    const { model, huggingFaceConfig, tokenizer } = await loadPretrained(maskedLanguageModel, { modelType: 'bert' });
    const exported = join(directory, 'masked-lm');
    await savePretrained(model, exported, { huggingFaceConfig, ...(tokenizer === undefined ? {} : { tokenizer }) });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before); // the export's transposed copies are freed
    const names = await expectSameSafetensors(
      join(exported, 'model.safetensors'),
      join(maskedLanguageModel, 'model.safetensors'),
    );
    expect(names.some((name) => name.startsWith('bert.pooler') || name.startsWith('cls.predictions.decoder'))).toBe(
      false,
    );
    for (const file of ['config.json', 'tokenizer_config.json'])
      expect(await readJson(join(exported, file)), file).toEqual(await readJson(join(maskedLanguageModel, file)));
    expect(await readFile(join(exported, 'vocab.txt'), 'utf8')).toBe(
      await readFile(join(maskedLanguageModel, 'vocab.txt'), 'utf8'),
    );
  });

  it('round trip of BertForSequenceClassification: identical tensors and config (id2label kept)', async () => {
    const { model, huggingFaceConfig } = await loadPretrained(sequenceClassifier, { modelType: 'bert' });
    const exported = join(directory, 'sequence-classification');
    await savePretrained(model, exported, { huggingFaceConfig });
    await expectSameSafetensors(join(exported, 'model.safetensors'), join(sequenceClassifier, 'model.safetensors'));
    expect(await readJson(join(exported, 'config.json'))).toEqual(
      await readJson(join(sequenceClassifier, 'config.json')),
    );
    model.dispose();
  });

  it('a bare BertModel: loaded from a classifier checkpoint, saved without the bert. prefix, loaded back', async () => {
    const loaded = await loadPretrained(sequenceClassifier, { modelType: 'bert', architecture: 'BertModel' });
    expect(loaded.unusedWeights.sort()).toEqual(['classifier.bias', 'classifier.weight']);
    const exported = join(directory, 'bert-model');
    await savePretrained(loaded.model, exported, { huggingFaceConfig: loaded.huggingFaceConfig });
    const { tensors } = await loadSafetensors(join(exported, 'model.safetensors'));
    const names = Object.keys(tensors);
    tf.dispose(Object.values(tensors));
    expect(names).toContain('embeddings.word_embeddings.weight');
    expect(names).toContain('encoder.layer.1.attention.self.value.weight');
    expect(names).toContain('pooler.dense.weight');
    expect(names.some((name) => name.startsWith('bert.') || name.startsWith('classifier.'))).toBe(false);
    const config = await readJson(join(exported, 'config.json'));
    expect(config.architectures).toEqual(['BertModel']);
    const reloaded = await loadPretrained(exported);
    expect(reloaded.architecture).toBe('BertModel');
    const bert = reloaded.model as Bert;
    expect(await maximumError(encode(bert), reference.last_hidden_state, [2, 16, 32])).toBeLessThan(1e-4);
    expect(await maximumError(pool(bert), reference.pooler_output, [2, 32])).toBeLessThan(1e-4);
    loaded.model.dispose();
    bert.dispose();
  });
});

describe('choosing another head', () => {
  it('a classifier from a masked-LM checkpoint: encoder loaded, pooler and classifier new, MLM head unused', async () => {
    const load = () =>
      loadPretrained(maskedLanguageModel, {
        modelType: 'bert',
        architecture: 'BertForSequenceClassification',
        labelCount: 4,
        random: createRandomGenerator(7),
      });
    const { model, newlyInitializedWeights, unusedWeights } = await load();
    expect(model.classifier.outFeatures).toBe(4);
    expect(newlyInitializedWeights.sort()).toEqual([
      'bert.pooler.dense.bias',
      'bert.pooler.dense.weight',
      'classifier.bias',
      'classifier.weight',
    ]);
    expect(unusedWeights.sort()).toEqual([
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
    ]);
    expect(await maximumError(encode(model.bert), reference.last_hidden_state, [2, 16, 32])).toBeLessThan(1e-4);
    const again = await load(); // the seed makes the new head repeatable
    expect(await again.model.classifier.weight.data()).toEqual(await model.classifier.weight.data());
    model.dispose();
    again.model.dispose();
  });

  it("BERT's original layout: gamma/beta, position_ids, a stored tied decoder, the next-sentence head", async () => {
    const { tensors } = await loadSafetensors(join(maskedLanguageModel, 'model.safetensors'));
    const old: Record<string, tf.Tensor> = {};
    for (const [name, tensor] of Object.entries(tensors))
      old[name.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')] = tensor;
    old['bert.embeddings.position_ids'] = tf.reshape(tf.range(0, 40, 1, 'int32'), [1, 40]);
    old['cls.predictions.decoder.weight'] = tensors['bert.embeddings.word_embeddings.weight'] as tf.Tensor;
    old['cls.predictions.decoder.bias'] = tensors['cls.predictions.bias'] as tf.Tensor;
    old['cls.seq_relationship.weight'] = tf.zeros([2, 32]);
    old['cls.seq_relationship.bias'] = tf.zeros([2]);
    const target = join(directory, 'original-layout');
    await mkdir(target, { recursive: true });
    await saveSafetensors(join(target, 'model.safetensors'), old);
    const config = await readJson(join(maskedLanguageModel, 'config.json'));
    await writeFile(join(target, 'config.json'), JSON.stringify({ ...config, architectures: ['BertForPreTraining'] }));
    const loaded = await loadPretrained(target, { modelType: 'bert', architecture: 'BertForMaskedLM' });
    expect(loaded.unusedWeights.sort()).toEqual(['cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
    const logits = run((ids, bertInputs) => loaded.model.forward(ids, bertInputs));
    expect(await maximumError(logits, reference.masked_lm_logits, [2, 16, 52])).toBeLessThan(1e-4);
    loaded.model.dispose();

    // A decoder that is not the word embeddings cannot be represented: say so.
    old['cls.predictions.decoder.weight'] = tf.zerosLike(
      tensors['bert.embeddings.word_embeddings.weight'] as tf.Tensor,
    );
    await saveSafetensors(join(target, 'model.safetensors'), old);
    await expect(loadPretrained(target)).rejects.toThrow(
      /E_HF_WEIGHTS: cls\.predictions\.decoder\.weight differs from the tensor it is tied to/,
    );
    tf.dispose([...Object.values(old), ...Object.values(tensors)]);
  });
});

describe('errors', () => {
  async function directoryWith(name: string, config: Record<string, unknown>, tensors?: Record<string, tf.Tensor>) {
    const target = join(directory, name);
    await mkdir(target, { recursive: true });
    await writeFile(join(target, 'config.json'), JSON.stringify(config));
    if (tensors === undefined)
      await copyFile(join(maskedLanguageModel, 'model.safetensors'), join(target, 'model.safetensors'));
    else await saveSafetensors(join(target, 'model.safetensors'), tensors);
    return target;
  }

  it('an unknown model_type lists gpt2 and bert', async () => {
    const target = await directoryWith('roberta', { model_type: 'roberta' });
    await expect(loadPretrained(target)).rejects.toThrow(
      'E_HF_MODEL_TYPE: model_type "roberta" is not supported; supported model types: gpt2, bert',
    );
  });

  it('a config.json that does not fit the weights names every mismatched tensor and its shapes', async () => {
    const config = await readJson(join(maskedLanguageModel, 'config.json'));
    const target = await directoryWith('wrong-shape', { ...config, max_position_embeddings: 64, type_vocab_size: 3 });
    const error = await loadPretrained(target).catch((caught: Error) => caught);
    expect(String(error)).toContain('E_HF_WEIGHTS: the checkpoint does not fit BertForMaskedLM');
    expect(String(error)).toContain('bert.embeddings.position_embeddings.weight is [40,32], expected [64,32]');
    expect(String(error)).toContain('bert.embeddings.token_type_embeddings.weight is [2,32], expected [3,32]');
  });

  it('a checkpoint missing an encoder tensor, or with a foreign one, says which', async () => {
    const config = await readJson(join(maskedLanguageModel, 'config.json'));
    const { tensors } = await loadSafetensors(join(maskedLanguageModel, 'model.safetensors'));
    const { 'bert.encoder.layer.1.output.dense.weight': dropped, ...rest } = tensors;
    let target = await directoryWith('missing', config, rest);
    await expect(loadPretrained(target)).rejects.toThrow(/missing bert\.encoder\.layer\.1\.output\.dense\.weight/);
    target = await directoryWith('foreign', config, {
      ...tensors,
      'bert.encoder.layer.0.rotary.inv_freq': tf.ones([4]),
    });
    await expect(loadPretrained(target)).rejects.toThrow(
      "E_HF_WEIGHTS: unexpected tensor 'bert.encoder.layer.0.rotary.inv_freq' in a bert checkpoint",
    );
    // Declared by config.json, the masked-LM head must be there.
    const { 'cls.predictions.bias': head, ...headless } = tensors;
    target = await directoryWith('headless', config, headless);
    await expect(loadPretrained(target)).rejects.toThrow(/missing cls\.predictions\.bias/);
    tf.dispose([...Object.values(tensors), dropped as tf.Tensor, head as tf.Tensor]);
  });

  it('unsupported heads, activations and options are named', async () => {
    const config = await readJson(join(maskedLanguageModel, 'config.json'));
    let target = await directoryWith('question-answering', { ...config, architectures: ['BertForQuestionAnswering'] });
    await expect(loadPretrained(target)).rejects.toThrow(
      /E_HF_ARCHITECTURE: .*BertForQuestionAnswering.*pass \{ architecture: 'BertModel' \} to load the encoder alone/,
    );
    const encoder = await loadPretrained(target, { architecture: 'BertModel' });
    expect(encoder.architecture).toBe('BertModel');
    encoder.model.dispose();
    target = await directoryWith('relu', { ...config, hidden_act: 'relu' });
    await expect(loadPretrained(target)).rejects.toThrow('E_HF_CONFIG: bert hidden_act "relu" is not supported');
    await expect(loadPretrained(maskedLanguageModel, { modelType: 'gpt2' })).rejects.toThrow(
      /has model_type "bert", but modelType 'gpt2' was asked for/,
    );
  });
});
