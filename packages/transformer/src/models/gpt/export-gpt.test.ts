import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, computeGradients, createRandomGenerator, crossEntropy, initBackend, tf } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTransformerExport } from '../../export/load-transformer-export.js';
import { generate } from '../../generation/generate.js';
import { ByteLevelBPETokenizer } from '../../tokenizers/byte-level-bpe-tokenizer.js';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import { trainByteLevelBPE } from '../../tokenizers/train-byte-level-bpe.js';
import { exportGpt } from './export-gpt.js';
import { GPT } from './gpt.js';
import { gptConfig } from './gpt-config.js';

const root = join(tmpdir(), `tessera-transformer-export-${process.pid}`);
const text = 'the quick brown fox jumps over the lazy dog. '.repeat(30);
const tokenizer = CharacterTokenizer.fromText(text);
const tokens = tokenizer.encode(text);
const config = gptConfig('nanogpt-baby', {
  vocabularySize: tokenizer.vocabularySize,
  blockSize: 16,
  layerCount: 2,
  headCount: 2,
  embeddingSize: 48, // the token table [vocabulary, 48] passes the 1024-element threshold
});
let model: GPT;

/** Mean next-token loss over fixed windows: the validation loss. */
function validationLoss(network: GPT): number {
  return tf.tidy(() => {
    const starts = Array.from({ length: 16 }, (_, i) => i * 37);
    const inputs = tf.tensor2d(
      starts.map((start) => tokens.slice(start, start + 16)),
      undefined,
      'int32',
    );
    const targets = tf.tensor2d(
      starts.map((start) => tokens.slice(start + 1, start + 17)),
      undefined,
      'int32',
    );
    return crossEntropy(network.forward(inputs), targets).dataSync()[0] as number;
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  model = new GPT(config, { random: createRandomGenerator(5) });
  // A short real training run, so the weights have the spread a trained model has.
  const optimizer = new AdamW(model.trainableParameters(), { learningRate: 1e-2, weightDecay: 0 });
  const random = createRandomGenerator(9);
  for (let step = 0; step < 40; step++) {
    tf.dispose(
      tf.tidy(() => {
        const starts = Array.from({ length: 8 }, () => random.nextInt(tokens.length - 17));
        const inputs = tf.tensor2d(
          starts.map((start) => tokens.slice(start, start + 16)),
          undefined,
          'int32',
        );
        const targets = tf.tensor2d(
          starts.map((start) => tokens.slice(start + 1, start + 17)),
          undefined,
          'int32',
        );
        const { loss, gradients } = computeGradients(
          model.trainableParameters(),
          () => crossEntropy(model.forward(inputs), targets) as tf.Scalar,
        );
        optimizer.step(gradients);
        return loss;
      }),
    );
  }
  model.eval();
});

afterAll(async () => {
  model.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('GPT export', () => {
  it('round-trips float32 exactly: same logits, same tokenizer, same greedy text', async () => {
    const manifest = await exportGpt(join(root, 'gpt'), model, tokenizer, { metadata: { note: 'test' } });
    expect(manifest.kind).toBe('gpt');
    expect(manifest.producer.name).toBe('@tessera/transformer');
    const before = tf.memory().numTensors;
    const loaded = await loadTransformerExport(join(root, 'gpt'));
    if (loaded.kind !== 'gpt') throw new Error('expected a GPT');
    expect(tf.memory().numTensors - before).toBe(Object.keys(model.stateDict()).length);
    expect(loaded.tokenizer).toBeInstanceOf(CharacterTokenizer);
    expect((loaded.tokenizer as CharacterTokenizer).characters).toEqual(tokenizer.characters);
    const ids = tf.tensor2d([tokens.slice(0, 16)], undefined, 'int32');
    const expected = model.forward(ids);
    const actual = loaded.model.forward(ids);
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    const prompt = tokenizer.encode('the ');
    const greedy = { maxNewTokens: 12, temperature: 0 };
    expect(await generate(loaded.model, prompt, greedy)).toEqual(await generate(model, prompt, greedy));
    tf.dispose([ids, expected, actual]);
    loaded.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('int8: ~4x smaller weights, validation loss within 2% of float, logits close', async () => {
    const manifest = await exportGpt(join(root, 'gpt-int8'), model, tokenizer, { quantization: 'int8' });
    const quantizedNames = Object.keys(manifest.quantization?.tensors ?? {});
    expect(quantizedNames).toContain('tokenEmbedding.weight');
    expect(quantizedNames).toContain('blocks.0.feedForward.expand.weight');
    expect(quantizedNames.some((name) => name.includes('Norm'))).toBe(false);
    expect(manifest.quantization?.tensors['tokenEmbedding.weight']?.axis).toBe(0);
    const loaded = await loadTransformerExport(join(root, 'gpt-int8'));
    if (loaded.kind !== 'gpt') throw new Error('expected a GPT');
    const floatLoss = validationLoss(model);
    const quantizedLoss = validationLoss(loaded.model);
    expect(Math.abs(quantizedLoss - floatLoss) / floatLoss).toBeLessThan(0.02);
    loaded.model.dispose();
  });

  it('loads over HTTP from a base URL (the browser path) with the same logits', async () => {
    await exportGpt(join(root, 'gpt-http'), model, tokenizer, { quantization: 'int8' });
    const server = createServer(async (request, response) => {
      try {
        const name = (request.url ?? '').replace('/static/gpt-http/', '');
        response.writeHead(200).end(await readFile(join(root, 'gpt-http', name)));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const overHttp = await loadTransformerExport(`http://127.0.0.1:${port}/static/gpt-http/`);
      const fromDisk = await loadTransformerExport(join(root, 'gpt-http'));
      const ids = tf.tensor2d([tokens.slice(0, 16)], undefined, 'int32');
      const [a, b] = [overHttp.model.forward(ids), fromDisk.model.forward(ids)];
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([ids, a, b]);
      overHttp.model.dispose();
      fromDisk.model.dispose();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('carries a byte-level BPE tokenizer (vocabulary, merges, special tokens): same ids, same text, same logits', async () => {
    const corpus = ['the quick brown fox jumps over the lazy dog — naïve café, 東京 🦊<|endoftext|>'.repeat(20)];
    const bpe = trainByteLevelBPE(corpus, { vocabularySize: 300, specialTokens: ['<|endoftext|>'] });
    const bpeModel = new GPT(
      gptConfig('nanogpt-baby', {
        vocabularySize: bpe.vocabularySize,
        blockSize: 16,
        layerCount: 1,
        headCount: 2,
        embeddingSize: 16,
      }),
      { random: createRandomGenerator(6) },
    );
    bpeModel.eval();
    await exportGpt(join(root, 'gpt-bpe'), bpeModel, bpe, { quantization: 'int8' });
    const loaded = await loadTransformerExport(join(root, 'gpt-bpe'));
    if (loaded.kind !== 'gpt') throw new Error('expected a GPT');
    expect(loaded.tokenizer).toBeInstanceOf(ByteLevelBPETokenizer);
    const sample = 'the lazy fox — café 東京 🦊 unseen ẞ words<|endoftext|>';
    const ids = bpe.encode(sample);
    expect(loaded.tokenizer.encode(sample)).toEqual(ids);
    expect(ids).toContain(bpe.tokenToId('<|endoftext|>'));
    expect(loaded.tokenizer.decode(ids)).toBe(sample);
    expect(loaded.tokenizer.vocabularySize).toBe(bpe.vocabularySize);
    const input = tf.tensor2d([ids.slice(0, 16)], undefined, 'int32');
    const [expected, actual] = [bpeModel.forward(input), loaded.model.forward(input)];
    expect(actual.shape).toEqual(expected.shape);
    // int8 weights: close to the float32 model, not equal
    const difference = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!;
    expect(difference).toBeGreaterThan(0);
    expect(difference).toBeLessThan(0.05);
    tf.dispose([input, expected, actual]);
    loaded.model.dispose();
    bpeModel.dispose();
  });

  it('rejects a tokenizer that does not match the model', async () => {
    await expect(exportGpt(join(root, 'mismatch'), model, CharacterTokenizer.fromText('ab'))).rejects.toThrow(
      /E_EXPORT_TOKENIZER/,
    );
  });
});
