import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ExportKind,
  initBackend,
  type LoadedExport,
  registerExportKind,
  TesseraError,
  unregisterExportKind,
  writeExportDirectory,
} from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';
import { CHAT_TEST_TEXT, writeTinyGptExport } from './test-exports.js';

/**
 * The bytes on the wire of the OpenAI-compatible routes: `data: <JSON>` chunks ending in a literal
 * `data: [DONE]`, and OpenAI's error body on every failure, mid-stream included. A kind defined
 * here (`errorFormat: 'openai'`, a `terminator`) shows the contract is the kind's, not GPT's.
 */

const ERROR_KEYS = ['code', 'message', 'param', 'type'];

const shoutKind: ExportKind<LoadedExport> = {
  kind: 'shout',
  packageName: 'shout-kind-test',
  description: 'answers in capitals',
  load: async () => ({ kind: 'shout' }),
  describe: () => ({}),
  dispose: () => {},
  routes: [
    {
      method: 'POST',
      path: '/v1/shout',
      errorFormat: 'openai',
      bodySchema: () => ({
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: { text: { type: 'string', minLength: 1 }, stream: { type: 'boolean' } },
      }),
      async handle(_loaded, body) {
        const { text, stream } = body as { text: string; stream?: boolean };
        if (text === 'refuse') throw new TesseraError('E_SHOUT_REFUSED', 'this text cannot be shouted');
        if (stream !== true) return { text: text.toUpperCase() };
        async function* letters() {
          for (const letter of text) {
            if (letter === '!') throw new Error('the shout broke');
            yield { letter: letter.toUpperCase() };
          }
        }
        return { stream: true, events: letters(), terminator: '[DONE]' };
      },
    },
  ],
};

let directory: string;
let shout: FastifyInstance;
let gpt: FastifyInstance;

/** The `data:` payloads of a server-sent event body, as written. */
function dataLines(body: string): string[] {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  registerExportKind(shoutKind);
  directory = await mkdtemp(join(tmpdir(), 'tessera-openai-wire-'));
  await writeExportDirectory(join(directory, 'shout'), {
    kind: 'shout',
    config: {},
    tensors: {},
    producer: { name: 'shout-kind-test', version: '1.0.0' },
  });
  shout = await createInferenceServer({ exportDirectory: join(directory, 'shout'), logger: false });
  gpt = await createInferenceServer({
    exportDirectory: await writeTinyGptExport(directory, undefined, { text: CHAT_TEST_TEXT }),
    logger: false,
  });
});

afterAll(async () => {
  await shout?.close();
  await gpt?.close();
  unregisterExportKind('shout');
  await rm(directory, { recursive: true, force: true });
});

describe("a route's errorFormat and a stream's terminator", () => {
  it('a stream ends with the literal terminator after its JSON events', async () => {
    const response = await shout.inject({ method: 'POST', url: '/v1/shout', payload: { text: 'hey', stream: true } });
    expect(response.statusCode).toBe(200);
    expect(dataLines(response.body)).toEqual(['{"letter":"H"}', '{"letter":"E"}', '{"letter":"Y"}', '[DONE]']);
  });

  it('a failure mid-stream is a last error event in OpenAI’s shape, and no terminator', async () => {
    const response = await shout.inject({ method: 'POST', url: '/v1/shout', payload: { text: 'a!b', stream: true } });
    const lines = dataLines(response.body);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toEqual({
      error: {
        message: 'the stream failed; the error is in the server log',
        type: 'server_error',
        param: null,
        code: 'E_SERVER_INTERNAL',
      },
    });
  });

  it('validation, JSON and TesseraError failures all answer OpenAI’s error body with the same statuses', async () => {
    const cases = [
      { payload: { text: 'hey', loud: true }, status: 400, code: 'E_REQUEST_INVALID', param: 'loud' },
      { payload: { text: 7 }, status: 400, code: 'E_REQUEST_INVALID', param: 'text' },
      { payload: { text: 'refuse' }, status: 400, code: 'E_SHOUT_REFUSED', param: null },
      { payload: '{"text": ', status: 400, code: 'E_REQUEST_JSON', param: null },
    ];
    for (const { payload, status, code, param } of cases) {
      const response = await shout.inject({
        method: 'POST',
        url: '/v1/shout',
        headers: { 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expect(response.statusCode).toBe(status);
      const { error } = response.json() as { error: Record<string, unknown> };
      expect(Object.keys(error).sort()).toEqual(ERROR_KEYS);
      expect(error).toMatchObject({ code, param, type: 'invalid_request_error' });
      expect(typeof error.message).toBe('string');
    }
  });

  it('Tessera’s routes keep Tessera’s error body', async () => {
    const response = await gpt.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { prompt: 'To', max_tokens: 3 },
    });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json().error).sort()).toEqual(['code', 'message']);
  });

  it('an OpenAI route of another kind is a 404 in OpenAI’s shape naming the kind it needs', async () => {
    const response = await shout.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      error: { type: 'not_found_error', code: 'E_SERVER_MODEL_KIND', message: expect.stringContaining("'gpt'") },
    });
  });
});

describe('the GPT kind’s OpenAI routes on the wire', () => {
  it('streams chat.completion.chunk events ending in data: [DONE]', async () => {
    const response = await gpt.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'x', messages: [{ role: 'user', content: 'To be' }], max_tokens: 3, stream: true },
    });
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    const lines = dataLines(response.body);
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'x')).toBe(true);
  });

  it('an OpenAI route’s unknown prompt character is a 400 in OpenAI’s shape', async () => {
    const response = await gpt.inject({
      method: 'POST',
      url: '/v1/completions',
      payload: { model: 'x', prompt: 'To be €' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'E_TOKENIZER_UNKNOWN' } });
  });

  it('GET /v1/models lists the one model; GET /v1/model still describes it', async () => {
    expect((await gpt.inject({ url: '/v1/models' })).json()).toEqual({
      object: 'list',
      data: [{ id: 'gpt', object: 'model', created: expect.any(Number), owned_by: '@tessera/transformer' }],
    });
    expect((await gpt.inject({ url: '/v1/model' })).json()).toMatchObject({
      kind: 'gpt',
      endpoint: 'POST /v1/generate, POST /v1/completions, POST /v1/chat/completions',
    });
  });
});
