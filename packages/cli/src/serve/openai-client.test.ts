import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@tessera/core';
import { generate, type LoadedTransformerExport, loadTransformerExport } from '@tessera/transformer';
import type { FastifyInstance } from 'fastify';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';
import { CHAT_TEST_TEXT, writeTinyGptExport } from './test-exports.js';

/**
 * `tessera serve` with the official `openai` package as the client: every text is checked against
 * `generate` on the same export, loaded apart from the server.
 */

const API_KEY = 'sk-tessera-test-key';
let directory: string;
let app: FastifyInstance;
let baseURL: string;
let reference: Extract<LoadedTransformerExport, { kind: 'gpt' }>;
let client: OpenAI;

/** What `generate` gives for a prompt: the reference every answer must equal. */
async function expected(prompt: string, options: Parameters<typeof generate>[2]): Promise<string> {
  return reference.tokenizer.decode(await generate(reference.model, reference.tokenizer.encode(prompt), options));
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-openai-client-'));
  const exportPath = await writeTinyGptExport(directory, undefined, { text: CHAT_TEST_TEXT, name: 'tiny-chat' });
  const loaded = await loadTransformerExport(exportPath);
  if (loaded.kind !== 'gpt') throw new Error('expected a GPT export');
  reference = loaded;
  app = await createInferenceServer({ exportDirectory: exportPath, logger: false, apiKey: API_KEY });
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  // No retries: a refused request must fail the test, not be tried again.
  client = new OpenAI({ baseURL, apiKey: API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await app?.close();
  reference?.model.dispose();
  await rm(directory, { recursive: true, force: true });
});

describe('the openai client against tessera serve', () => {
  it('models.list shows the one served model, named after its export directory', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models).toEqual([
      { id: 'tiny-chat', object: 'model', created: expect.any(Number), owned_by: '@tessera/transformer' },
    ]);
    expect((await client.models.retrieve('tiny-chat')).id).toBe('tiny-chat');
    await expect(client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('completions.create returns the text generate gives for the same seed, with usage', async () => {
    const completion = await client.completions.create({
      model: 'tiny-chat',
      prompt: 'To be',
      max_tokens: 12,
      temperature: 0.8,
      seed: 3,
    });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]).toMatchObject({
      text: await expected('To be', { maxNewTokens: 12, temperature: 0.8, seed: 3 }),
      finish_reason: 'length',
    });
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
  });

  it('completions.create with stream: true yields chunks that add up to the same text', async () => {
    const stream = await client.completions.create({
      model: 'tiny-chat',
      prompt: 'To be',
      max_tokens: 15,
      temperature: 0,
      stream: true,
    });
    let text = '';
    const finishReasons: (string | null)[] = [];
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      text += chunk.choices[0]?.text ?? '';
      finishReasons.push(chunk.choices[0]?.finish_reason ?? null);
    }
    expect(text).toBe(await expected('To be', { maxNewTokens: 15, temperature: 0 }));
    expect(finishReasons.at(-1)).toBe('length');
  });

  it('a stop string ends the completion before it, with finish_reason stop', async () => {
    const full = await expected('To be', { maxNewTokens: 30, temperature: 0 });
    const stop = full.slice(4, 6);
    const completion = await client.completions.create({
      model: 'tiny-chat',
      prompt: 'To be',
      max_tokens: 30,
      temperature: 0,
      stop: [stop],
    });
    expect(completion.choices[0]).toMatchObject({ text: full.slice(0, full.indexOf(stop)), finish_reason: 'stop' });
  });

  it('chat.completions.create answers with the continuation of the role-lines prompt', async () => {
    const messages = [
      { role: 'system' as const, content: 'be terse' },
      { role: 'user' as const, content: 'To be, or not to be.' },
    ];
    const prompt = 'system: be terse\nuser: To be, or not to be.\nassistant:';
    const full = await expected(prompt, { maxNewTokens: 20, temperature: 0 });
    const cut = full.indexOf('\nuser:');
    const content = cut >= 0 ? full.slice(0, cut) : full;

    const chat = await client.chat.completions.create({ model: 'tiny-chat', messages, max_tokens: 20, temperature: 0 });
    expect(chat.object).toBe('chat.completion');
    expect(chat.choices[0]).toMatchObject({
      message: { role: 'assistant', content },
      finish_reason: cut >= 0 ? 'stop' : 'length',
    });
    expect(chat.usage?.prompt_tokens).toBe(prompt.length);

    const stream = await client.chat.completions.create({
      model: 'tiny-chat',
      messages,
      max_tokens: 20,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let role: string | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      role ??= chunk.choices[0]?.delta.role;
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe('assistant');
    expect(streamed).toBe(content);
    expect(usage).toEqual(chat.usage);
  });

  it('a wrong or missing key is a 401 the client raises as AuthenticationError', async () => {
    for (const apiKey of ['sk-wrong', `${API_KEY}x`]) {
      const intruder = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
      const failure = await intruder.completions
        .create({ model: 'tiny-chat', prompt: 'To be', max_tokens: 2 })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AuthenticationError);
      expect(failure).toMatchObject({ status: 401, code: 'E_REQUEST_UNAUTHORIZED', type: 'authentication_error' });
      await expect(intruder.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    }
    const bare = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny-chat', messages: [{ role: 'user', content: 'To be' }] }),
    });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({
      error: {
        message: expect.stringContaining('Authorization: Bearer'),
        type: 'authentication_error',
        param: null,
        code: 'E_REQUEST_UNAUTHORIZED',
      },
    });
  });

  it('an invalid request is a 400 in OpenAI’s shape naming the field: BadRequestError', async () => {
    const failure = await client.completions
      .create({ model: 'tiny-chat', prompt: 'To be', max_tokens: 2, frequency_penalty: 0.5 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BadRequestError);
    expect(failure).toMatchObject({ status: 400, code: 'E_REQUEST_INVALID', param: 'frequency_penalty' });
    const tooMany = await client.chat.completions
      .create({ model: 'tiny-chat', messages: [{ role: 'user', content: 'To be' }], max_tokens: 100_000 })
      .catch((error: unknown) => error);
    expect(tooMany).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'max_tokens' });
  });

  it('keeps tf.memory().numTensors flat over several requests, streamed or not', async () => {
    const round = async () => {
      await client.completions.create({ model: 'tiny-chat', prompt: 'To be', max_tokens: 6, seed: 1 });
      const stream = await client.chat.completions.create({
        model: 'tiny-chat',
        messages: [{ role: 'user', content: 'To be' }],
        max_tokens: 6,
        seed: 1,
        stream: true,
      });
      for await (const _chunk of stream);
    };
    await round();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await round();
    expect(tf.memory().numTensors).toBe(before);
  });
});
