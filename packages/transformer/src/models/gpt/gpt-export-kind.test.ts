import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRandomGenerator,
  type ExportKind,
  findExportKind,
  initBackend,
  isServeEventStream,
  isTesseraError,
  type ServeEventStream,
  tf,
} from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../index.js'; // the package entry registers its export kinds
import { generate } from '../../generation/generate.js';
import { fakeServeContext, testServeLimits } from '../../serve/fake-serve-context.js';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import { exportGpt } from './export-gpt.js';
import { GPT } from './gpt.js';
import { gptConfig } from './gpt-config.js';
import type { LoadedGptExport } from './load-gpt-export.js';

const directory = join(tmpdir(), `tessera-gpt-export-kind-${process.pid}`);
const tokenizer = CharacterTokenizer.fromText('the quick brown fox jumps over the lazy dog.');
const config = gptConfig('nanogpt-baby', {
  vocabularySize: tokenizer.vocabularySize,
  blockSize: 16,
  layerCount: 1,
  headCount: 2,
  embeddingSize: 16,
});
let model: GPT;
let kind: ExportKind<LoadedGptExport>;
let loaded: LoadedGptExport;

/** What the original model generates: the reference every answer is checked against. */
async function reference(prompt: string, options: Parameters<typeof generate>[2]): Promise<number[]> {
  return generate(model, tokenizer.encode(prompt), options);
}

async function collect(stream: ServeEventStream): Promise<unknown[]> {
  const events: unknown[] = [];
  for await (const event of stream.events) events.push(event);
  return events;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  model = new GPT(config, { random: createRandomGenerator(3) });
  model.eval();
  await exportGpt(directory, model, tokenizer);
  kind = findExportKind('gpt') as unknown as ExportKind<LoadedGptExport>;
  loaded = await kind.load(directory);
});

afterAll(async () => {
  kind.dispose(loaded);
  model.dispose();
  await rm(directory, { recursive: true, force: true });
});

describe('the gpt export kind', () => {
  it('is registered by importing the package, with POST /v1/generate and the OpenAI routes', () => {
    expect(kind).toBeDefined();
    expect(kind.packageName).toBe('@tessera/transformer');
    expect(kind.predictInputs).toBe('prompts');
    expect(kind.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'POST /v1/generate',
      'POST /v1/completions',
      'POST /v1/chat/completions',
    ]);
    expect(kind.routes.map((route) => route.errorFormat ?? 'tessera')).toEqual(['tessera', 'openai', 'openai']);
  });

  it('loads an exportGpt directory; describe shows the model config', () => {
    expect(loaded.kind).toBe('gpt');
    expect((loaded.tokenizer as CharacterTokenizer).characters).toEqual(tokenizer.characters);
    expect(kind.describe(loaded)).toEqual({ ...config });
  });

  it('sizes the body schema with the server limits, as the generate route did', () => {
    const route = kind.routes[0]!;
    expect(route.bodySchema(loaded, { ...testServeLimits, maxPromptCharacters: 100, maxNewTokens: 8 })).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['prompt'],
      properties: {
        prompt: { type: 'string', minLength: 1, maxLength: 100 },
        maxTokens: { type: 'integer', minimum: 1, maximum: 8 },
        temperature: { type: 'number', minimum: 0, maximum: 100 },
        topK: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        topP: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
        stream: { type: 'boolean' },
      },
    });
  });

  it('answers {text, tokens, seed, milliseconds}: greedy and seeded sampling as generate on the original model', async () => {
    const route = kind.routes[0]!;
    const context = fakeServeContext();
    const greedy = (await route.handle(
      loaded,
      { prompt: 'the ', maxTokens: 10, temperature: 0, seed: 7 },
      context,
    )) as Record<string, unknown>;
    expect(Object.keys(greedy).sort()).toEqual(['milliseconds', 'seed', 'text', 'tokens']);
    const greedyIds = await reference('the ', { maxNewTokens: 10, temperature: 0, seed: 7 });
    expect(greedy).toMatchObject({ text: tokenizer.decode(greedyIds), tokens: 10, seed: 7 });
    expect(Number.isInteger(greedy.milliseconds) && (greedy.milliseconds as number) >= 0).toBe(true);

    const sampled = await route.handle(
      loaded,
      { prompt: 'a lazy ', maxTokens: 12, temperature: 1.5, topK: 5, topP: 0.9, seed: 3 },
      context,
    );
    const sampledIds = await reference('a lazy ', { maxNewTokens: 12, temperature: 1.5, topK: 5, topP: 0.9, seed: 3 });
    expect(sampled).toMatchObject({ text: tokenizer.decode(sampledIds), tokens: 12, seed: 3 });
    expect(context.counts).toEqual({ runs: 2, acquired: 0, released: 0 });
  });

  it('defaults to min(64, maxNewTokens) tokens and a random seed it reports', async () => {
    const context = fakeServeContext({ ...testServeLimits, maxNewTokens: 5 });
    const answer = (await kind.routes[0]!.handle(loaded, { prompt: 'the' }, context)) as Record<string, unknown>;
    expect(answer.tokens).toBe(5);
    const seed = answer.seed as number;
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31).toBe(true);
    const ids = await reference('the', { maxNewTokens: 5, seed });
    expect(answer.text).toBe(tokenizer.decode(ids));
  });

  it('an unknown character is the client’s error, before any queue slot is taken', async () => {
    const context = fakeServeContext();
    const failure = await kind.routes[0]!.handle(loaded, { prompt: 'the €', stream: true }, context).catch(
      (error: unknown) => error,
    );
    expect(isTesseraError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'E_TOKENIZER_UNKNOWN', category: 'input' });
    expect(context.counts).toEqual({ runs: 0, acquired: 0, released: 0 });
  });

  it('streams {token, id, index} per token, then {done, text, tokens, seed}, holding one queue slot', async () => {
    const context = fakeServeContext();
    const answer = await kind.routes[0]!.handle(
      loaded,
      { prompt: 'the ', maxTokens: 9, temperature: 0, seed: 11, stream: true },
      context,
    );
    expect(isServeEventStream(answer)).toBe(true);
    expect(context.counts.acquired).toBe(1);
    const events = await collect(answer as ServeEventStream);
    const ids = await reference('the ', { maxNewTokens: 9, temperature: 0, seed: 11 });
    expect(events).toEqual([
      ...ids.map((id, index) => ({ token: tokenizer.decode([id]), id, index })),
      { done: true, text: tokenizer.decode(ids), tokens: 9, seed: 11 },
    ]);
    await context.allReleased();
    expect(context.counts).toEqual({ runs: 0, acquired: 1, released: 1 });
  });

  it('stops generating when the client goes away: no done event, the slot released', async () => {
    const context = fakeServeContext();
    const answer = (await kind.routes[0]!.handle(
      loaded,
      { prompt: 'the ', maxTokens: 200, temperature: 0, stream: true },
      context,
    )) as ServeEventStream;
    const events: unknown[] = [];
    for await (const event of answer.events) {
      events.push(event);
      if (events.length === 1) context.clientGoesAway();
    }
    expect(events.length).toBeLessThan(200);
    expect(events.some((event) => (event as { done?: boolean }).done === true)).toBe(false);
    await context.allReleased();
    expect(context.counts.released).toBe(1);
  });

  it('a server that stops reading the events stops the generation and frees the slot', async () => {
    const context = fakeServeContext();
    const answer = (await kind.routes[0]!.handle(
      loaded,
      { prompt: 'the ', maxTokens: 200, temperature: 0, stream: true },
      context,
    )) as ServeEventStream;
    for await (const event of answer.events) {
      expect(event).toMatchObject({ index: 0 });
      break;
    }
    await context.allReleased();
    expect(context.counts.released).toBe(1);
  });

  it('keeps tf.memory().numTensors flat over repeated requests, streamed or not', async () => {
    const route = kind.routes[0]!;
    const context = fakeServeContext();
    const request = async (stream: boolean) => {
      const answer = await route.handle(loaded, { prompt: 'the ', maxTokens: 6, seed: 1, stream }, context);
      if (isServeEventStream(answer)) await collect(answer);
    };
    await request(false);
    await request(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await request(false);
      await request(true);
    }
    await context.allReleased();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predict continues each prompt greedily for 64 tokens; the summary is the generated text', async () => {
    const predictions = await kind.predict!(loaded, ['the ', 'fox'], {});
    const expected = await Promise.all(
      ['the ', 'fox'].map(async (prompt) =>
        tokenizer.decode(await reference(prompt, { maxNewTokens: 64, temperature: 0 })),
      ),
    );
    expect(predictions).toEqual([
      { input: 'the ', summary: expected[0], value: { text: expected[0], tokens: 64 } },
      { input: 'fox', summary: expected[1], value: { text: expected[1], tokens: 64 } },
    ]);
  });

  it('the other kinds refuse a gpt export', async () => {
    await expect(findExportKind('bert-classifier')!.load(directory)).rejects.toThrow(/E_EXPORT_KIND/);
  });
});
