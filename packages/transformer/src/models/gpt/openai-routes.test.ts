import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRandomGenerator,
  initBackend,
  isServeEventStream,
  isTesseraError,
  type ServeEventStream,
  type ServeRoute,
  tf,
} from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generation/generate.js';
import { fakeServeContext, testServeLimits } from '../../serve/fake-serve-context.js';
import { CharacterTokenizer } from '../../tokenizers/character-tokenizer.js';
import { roleLinesChatTemplate } from './chat-template.js';
import { exportGpt } from './export-gpt.js';
import { GPT } from './gpt.js';
import { gptConfig } from './gpt-config.js';
import { type LoadedGptExport, loadGptExport } from './load-gpt-export.js';
import { openAIChatRoute } from './openai-chat-route.js';
import { openAICompletionsRoute } from './openai-completions-route.js';

/** The OpenAI routes against `generate` on the original model: the reference for every text. */

const directory = join(tmpdir(), `tessera-gpt-openai-routes-${process.pid}`);
const tokenizer = CharacterTokenizer.fromText(
  'system: user: assistant: the quick brown fox jumps over the lazy dog.\n',
);
let model: GPT;
let loaded: LoadedGptExport;

async function reference(prompt: string, options: Parameters<typeof generate>[2]) {
  const ids = await generate(model, tokenizer.encode(prompt), options);
  return { ids, text: tokenizer.decode(ids) };
}

async function collect(answer: unknown): Promise<Record<string, unknown>[]> {
  expect(isServeEventStream(answer)).toBe(true);
  const stream = answer as ServeEventStream;
  expect(stream.terminator).toBe('[DONE]');
  const events: Record<string, unknown>[] = [];
  for await (const event of stream.events) events.push(event as Record<string, unknown>);
  return events;
}

const handle = (route: ServeRoute<LoadedGptExport>, body: Record<string, unknown>, context = fakeServeContext()) =>
  route.handle(loaded, body, context) as Promise<Record<string, unknown>>;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  model = new GPT(
    gptConfig('nanogpt-baby', {
      vocabularySize: tokenizer.vocabularySize,
      blockSize: 32,
      layerCount: 1,
      headCount: 2,
      embeddingSize: 16,
    }),
    { random: createRandomGenerator(5) },
  );
  model.eval();
  await exportGpt(directory, model, tokenizer);
  loaded = await loadGptExport(directory);
});

afterAll(async () => {
  loaded.model.dispose();
  model.dispose();
  await rm(directory, { recursive: true, force: true });
});

describe('POST /v1/completions', () => {
  it('answers a text_completion: the text generate gives, finish_reason length, usage counts', async () => {
    const answer = await handle(openAICompletionsRoute, { model: 'tiny', prompt: 'the ', max_tokens: 12, seed: 4 });
    const { text } = await reference('the ', { maxNewTokens: 12, seed: 4 });
    expect(answer).toMatchObject({
      object: 'text_completion',
      model: 'tiny',
      choices: [{ text, index: 0, logprobs: null, finish_reason: 'length' }],
      usage: { prompt_tokens: 4, completion_tokens: 12, total_tokens: 16 },
    });
    expect(answer.id).toMatch(/^cmpl-[0-9a-f]{32}$/);
    expect(Math.abs((answer.created as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('max_tokens defaults to 16, as OpenAI documents; temperature 0 and top_p 0 are greedy', async () => {
    const { text } = await reference('the ', { maxNewTokens: 16, temperature: 0 });
    for (const sampling of [{ temperature: 0 }, { top_p: 0 }]) {
      const answer = await handle(openAICompletionsRoute, { prompt: 'the ', ...sampling });
      expect(answer).toMatchObject({ choices: [{ text, finish_reason: 'length' }], usage: { completion_tokens: 16 } });
    }
  });

  it('maps temperature, top_p and seed onto generate', async () => {
    const answer = await handle(openAICompletionsRoute, {
      prompt: 'a lazy ',
      max_tokens: 10,
      temperature: 1.5,
      top_p: 0.9,
      seed: 3,
    });
    const { text } = await reference('a lazy ', { maxNewTokens: 10, temperature: 1.5, topP: 0.9, seed: 3 });
    expect((answer.choices as { text: string }[])[0]!.text).toBe(text);
  });

  it('ends at a stop string (string or array), trims it, and says finish_reason stop', async () => {
    const { text } = await reference('the ', { maxNewTokens: 30, temperature: 0 });
    const stop = text.slice(6, 8);
    const expected = text.slice(0, text.indexOf(stop));
    for (const stops of [stop, ['zzz', stop]]) {
      const answer = await handle(openAICompletionsRoute, {
        prompt: 'the ',
        max_tokens: 30,
        temperature: 0,
        stop: stops,
      });
      const choice = (answer.choices as { text: string; finish_reason: string }[])[0]!;
      expect(choice).toMatchObject({ text: expected, finish_reason: 'stop' });
      // Generation stopped at the token that completed the stop string (one character per token).
      expect(answer.usage).toMatchObject({ completion_tokens: text.indexOf(stop) + stop.length });
    }
  });

  it('streams text_completion chunks that add up to the whole answer, then the finish reason and usage', async () => {
    const request = { prompt: 'the ', max_tokens: 20, temperature: 0.8, seed: 9 };
    const whole = await handle(openAICompletionsRoute, request);
    const context = fakeServeContext();
    const events = await collect(
      await handle(
        openAICompletionsRoute,
        { ...request, stream: true, stream_options: { include_usage: true } },
        context,
      ),
    );
    const chunks = events.slice(0, -1);
    expect(chunks.every((chunk) => chunk.object === 'text_completion' && chunk.id === chunks[0]!.id)).toBe(true);
    const choices = chunks.map((chunk) => (chunk.choices as { text: string; finish_reason: string | null }[])[0]!);
    expect(choices.map((choice) => choice.text).join('')).toBe((whole.choices as { text: string }[])[0]!.text);
    expect(choices.slice(0, -1).every((choice) => choice.finish_reason === null)).toBe(true);
    expect(choices.at(-1)).toMatchObject({ text: '', finish_reason: 'length' });
    expect(events.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
    await context.allReleased();
    expect(context.counts).toMatchObject({ runs: 0, acquired: 1, released: 1 });
  });

  it('a streamed stop string never reaches the client', async () => {
    const { text } = await reference('the ', { maxNewTokens: 30, temperature: 0 });
    const stop = text.slice(5, 8);
    const events = await collect(
      await handle(openAICompletionsRoute, { prompt: 'the ', max_tokens: 30, temperature: 0, stop, stream: true }),
    );
    const choices = events.map((event) => (event.choices as { text: string; finish_reason: string | null }[])[0]!);
    expect(choices.map((choice) => choice.text).join('')).toBe(text.slice(0, text.indexOf(stop)));
    expect(choices.at(-1)!.finish_reason).toBe('stop');
  });

  it('sizes max_tokens and the prompt by the server limits; only n = 1', () => {
    const schema = openAICompletionsRoute.bodySchema(loaded, {
      ...testServeLimits,
      maxNewTokens: 8,
      maxPromptCharacters: 50,
    });
    expect(schema).toMatchObject({
      additionalProperties: false,
      required: ['prompt'],
      properties: {
        prompt: { maxLength: 50 },
        max_tokens: { maximum: 8 },
        n: { minimum: 1, maximum: 1 },
        stop: { anyOf: [{ type: 'string' }, { type: 'array', maxItems: 4 }] },
      },
    });
  });
});

describe('POST /v1/chat/completions', () => {
  const messages = [
    { role: 'system', content: 'the fox' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'the lazy ' },
        { type: 'text', text: 'dog' },
      ],
    },
  ];
  const rendered = 'system: the fox\nuser: the lazy dog\nassistant:';

  it('renders role lines ending in assistant:', () => {
    expect(
      roleLinesChatTemplate.render([
        { role: 'system', content: 'the fox' },
        { role: 'user', content: 'the lazy dog' },
      ]),
    ).toBe(rendered);
  });

  it('answers a chat.completion whose message is what generate continues the rendered prompt with', async () => {
    const answer = await handle(openAIChatRoute, { model: 'tiny', messages, max_tokens: 14, seed: 2 });
    const full = await reference(rendered, { maxNewTokens: 14, seed: 2 });
    const cut = full.text.indexOf('\nuser:');
    const content = cut >= 0 ? full.text.slice(0, cut) : full.text;
    expect(answer).toMatchObject({
      object: 'chat.completion',
      model: 'tiny',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content },
          logprobs: null,
          finish_reason: cut >= 0 ? 'stop' : 'length',
        },
      ],
      usage: { prompt_tokens: rendered.length },
    });
    expect(answer.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
  });

  it('max_completion_tokens is max_tokens by its newer name; the default is the server limit', async () => {
    /** Tokens generated: up to the end of a `\nuser:` line start, else all (one character per token). */
    const expectedTokens = async (maxNewTokens: number) => {
      const { text } = await reference(rendered, { maxNewTokens, temperature: 0 });
      const cut = text.indexOf('\nuser:');
      return cut >= 0 ? cut + '\nuser:'.length : maxNewTokens;
    };
    const limited = await handle(openAIChatRoute, { messages, max_completion_tokens: 5, temperature: 0 });
    expect(limited.usage).toMatchObject({ completion_tokens: await expectedTokens(5) });
    const context = fakeServeContext({ ...testServeLimits, maxNewTokens: 7 });
    const defaulted = await handle(openAIChatRoute, { messages, temperature: 0 }, context);
    expect(defaulted.usage).toMatchObject({ completion_tokens: await expectedTokens(7) });
  });

  it('streams the role, then content deltas adding up to the whole answer, then the finish reason', async () => {
    const request = { messages, max_tokens: 16, temperature: 0.7, seed: 5 };
    const whole = await handle(openAIChatRoute, request);
    const events = await collect(await handle(openAIChatRoute, { ...request, stream: true }));
    expect(events.every((event) => event.object === 'chat.completion.chunk')).toBe(true);
    const deltas = events.map((event) => (event.choices as { delta: Record<string, string> }[])[0]!.delta);
    expect(deltas[0]).toEqual({ role: 'assistant', content: '' });
    expect(deltas.map((delta) => delta.content ?? '').join('')).toBe(
      (whole.choices as { message: { content: string } }[])[0]!.message.content,
    );
    expect(deltas.at(-1)).toEqual({});
    expect((events.at(-1)!.choices as { finish_reason: string }[])[0]!.finish_reason).toBe(
      (whole.choices as { finish_reason: string }[])[0]!.finish_reason,
    );
  });

  it('a conversation longer than a prompt may be, or with unknown characters, is refused before any slot', async () => {
    const context = fakeServeContext({ ...testServeLimits, maxPromptCharacters: 20 });
    const tooLong = await handle(openAIChatRoute, { messages, stream: true }, context).catch((error: unknown) => error);
    expect(isTesseraError(tooLong, 'E_CHAT_PROMPT_LENGTH')).toBe(true);
    const unknown = await handle(openAIChatRoute, { messages: [{ role: 'user', content: '€' }] }, context).catch(
      (error: unknown) => error,
    );
    expect(isTesseraError(unknown, 'E_TOKENIZER_UNKNOWN')).toBe(true);
    expect(context.counts).toEqual({ runs: 0, acquired: 0, released: 0 });
  });

  it('keeps tf.memory().numTensors flat over repeated requests, streamed or not', async () => {
    const run = async (stream: boolean) => {
      const answer = await handle(openAIChatRoute, { messages, max_tokens: 6, seed: 1, stream });
      if (stream) await collect(answer);
      await handle(openAICompletionsRoute, { prompt: 'the ', max_tokens: 6, seed: 1, stop: 'e', stream: false });
    };
    await run(false);
    await run(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await run(false);
      await run(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
