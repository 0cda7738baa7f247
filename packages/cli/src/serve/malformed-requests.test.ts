import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';
import { writeTinyBertExport, writeTinyGptExport } from './test-exports.js';

let directory: string;
let gptServer: FastifyInstance;
let bertServer: FastifyInstance;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-serve-malformed-'));
  const limits = { maxPromptCharacters: 64, maxNewTokens: 8, maxBatch: 4, maxTextCharacters: 64, bodyLimitBytes: 4096 };
  gptServer = await createInferenceServer({
    exportDirectory: await writeTinyGptExport(directory),
    logger: false,
    limits,
  });
  bertServer = await createInferenceServer({
    exportDirectory: await writeTinyBertExport(directory),
    logger: false,
    limits,
  });
});

afterAll(async () => {
  await gptServer.close();
  await bertServer.close();
  await rm(directory, { recursive: true, force: true });
});

const json = { 'content-type': 'application/json' };
const post = (app: FastifyInstance, url: string, payload: string, headers: Record<string, string> = json) =>
  app.inject({ method: 'POST', url, payload, headers });

/** [what is wrong, raw body, expected status, expected error code] */
const generateCases: [string, string, number, string][] = [
  ['invalid JSON', '{"prompt": "To be', 400, 'E_REQUEST_JSON'],
  ['an empty body', '', 400, 'E_REQUEST_JSON'],
  ['NaN (not JSON)', '{"prompt": "To", "temperature": NaN}', 400, 'E_REQUEST_JSON'],
  ['a JSON array', '["To be"]', 400, 'E_REQUEST_INVALID'],
  ['a JSON string', '"To be"', 400, 'E_REQUEST_INVALID'],
  ['null', 'null', 400, 'E_REQUEST_INVALID'],
  ['a missing prompt', '{"maxTokens": 4}', 400, 'E_REQUEST_INVALID'],
  ['an empty prompt', '{"prompt": ""}', 400, 'E_REQUEST_INVALID'],
  ['a number prompt', '{"prompt": 42}', 400, 'E_REQUEST_INVALID'],
  ['an array prompt', '{"prompt": ["To"]}', 400, 'E_REQUEST_INVALID'],
  ['a string maxTokens', '{"prompt": "To", "maxTokens": "4"}', 400, 'E_REQUEST_INVALID'],
  ['a fractional maxTokens', '{"prompt": "To", "maxTokens": 2.5}', 400, 'E_REQUEST_INVALID'],
  ['zero maxTokens', '{"prompt": "To", "maxTokens": 0}', 400, 'E_REQUEST_INVALID'],
  ['negative maxTokens', '{"prompt": "To", "maxTokens": -3}', 400, 'E_REQUEST_INVALID'],
  ['maxTokens over the limit', '{"prompt": "To", "maxTokens": 1000000000}', 400, 'E_REQUEST_INVALID'],
  ['an infinite temperature', '{"prompt": "To", "temperature": 1e999}', 400, 'E_REQUEST_INVALID'],
  ['a negative temperature', '{"prompt": "To", "temperature": -1}', 400, 'E_REQUEST_INVALID'],
  ['a string temperature', '{"prompt": "To", "temperature": "hot"}', 400, 'E_REQUEST_INVALID'],
  ['topP of zero', '{"prompt": "To", "topP": 0}', 400, 'E_REQUEST_INVALID'],
  ['topP above one', '{"prompt": "To", "topP": 1.5}', 400, 'E_REQUEST_INVALID'],
  ['a fractional topK', '{"prompt": "To", "topK": 1.5}', 400, 'E_REQUEST_INVALID'],
  ['a negative seed', '{"prompt": "To", "seed": -1}', 400, 'E_REQUEST_INVALID'],
  ['a string stream flag', '{"prompt": "To", "stream": "yes"}', 400, 'E_REQUEST_INVALID'],
  ['an unknown field', '{"prompt": "To", "max_tokens": 4}', 400, 'E_REQUEST_INVALID'],
  ['a __proto__ key', '{"prompt": "To", "__proto__": {"admin": true}}', 400, 'E_REQUEST_JSON'],
  ['a prompt over the length limit', JSON.stringify({ prompt: 'a'.repeat(65) }), 400, 'E_REQUEST_INVALID'],
  [
    'a body over the size limit',
    JSON.stringify({ prompt: 'To', padding: 'x'.repeat(10_000) }),
    413,
    'E_REQUEST_TOO_LARGE',
  ],
  ['characters outside the vocabulary', '{"prompt": "Zebra 🦓"}', 400, 'E_TOKENIZER_UNKNOWN'],
];

describe('malformed requests get a 4xx with a clear message, never a crash', () => {
  for (const [what, payload, status, code] of generateCases) {
    it(`POST /v1/generate with ${what} → ${status} ${code}`, async () => {
      const response = await post(gptServer, '/v1/generate', payload);
      expect(response.statusCode).toBe(status);
      const body = response.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
    });
  }

  it('names the unknown field and the limit that was exceeded', async () => {
    const unknown = (await post(gptServer, '/v1/generate', '{"prompt": "To", "max_tokens": 4}')).json();
    expect(unknown.error.message).toMatch(/unknown field 'max_tokens'/);
    const tooMany = (await post(gptServer, '/v1/generate', '{"prompt": "To", "maxTokens": 9}')).json();
    expect(tooMany.error.message).toMatch(/maxTokens must be <= 8/);
  });

  it('refuses other content types (415) and unknown routes or methods (404)', async () => {
    const text = await post(gptServer, '/v1/generate', 'prompt=To', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('E_REQUEST_CONTENT_TYPE');
    const form = await post(gptServer, '/v1/generate', 'prompt=To', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.statusCode).toBe(415);
    const route = await gptServer.inject({ method: 'GET', url: '/v1/generate' });
    expect(route.statusCode).toBe(404);
    expect(route.json().error.message).toMatch(/POST \/v1\/generate/);
  });

  it('says which endpoint a model kind has', async () => {
    const wrongKind = await post(gptServer, '/v1/classify', '{"texts": ["good"]}');
    expect(wrongKind.statusCode).toBe(404);
    expect(wrongKind.json().error.code).toBe('E_SERVER_MODEL_KIND');
    const wrongKindBert = await post(bertServer, '/v1/generate', '{"prompt": "good"}');
    expect(wrongKindBert.statusCode).toBe(404);
    expect(wrongKindBert.json().error.message).toMatch(/\/v1\/classify/);
  });

  const classifyCases: [string, string][] = [
    ['texts that are not an array', '{"texts": "good movie"}'],
    ['no texts', '{"texts": []}'],
    ['too many texts', JSON.stringify({ texts: ['good', 'bad', 'good', 'bad', 'good'] })],
    ['a text over the length limit', JSON.stringify({ texts: ['good '.repeat(20)] })],
    ['a number among the texts', '{"texts": ["good", 3]}'],
    ['an unknown field', '{"texts": ["good"], "labels": ["x"]}'],
    ['a zero top', '{"texts": ["good"], "top": 0}'],
  ];
  for (const [what, payload] of classifyCases) {
    it(`POST /v1/classify with ${what} → 400`, async () => {
      const response = await post(bertServer, '/v1/classify', payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('E_REQUEST_INVALID');
    });
  }

  it('still answers health checks and valid requests afterwards, with no tensor leaked', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const response = await post(gptServer, '/v1/generate', '{"prompt": "To be", "maxTokens": 5, "seed": 1}');
      expect(response.statusCode).toBe(200);
      expect(response.json().tokens).toBe(5);
      const classified = await post(bertServer, '/v1/classify', '{"texts": ["very good movie", "bad"], "top": 1}');
      expect(classified.statusCode).toBe(200);
      expect(classified.json().predictions).toHaveLength(2);
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const app of [gptServer, bertServer]) {
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json().status).toBe('ok');
    }
  });
});
