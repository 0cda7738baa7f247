import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, isTesseraError } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';
import { CHAT_TEST_TEXT, writeTinyGptExport } from './test-exports.js';

/** `createInferenceServer({ apiKey })`: every route but /health needs `Authorization: Bearer <key>`. */

const API_KEY = 'k3y_with-Symbols+/=';
let directory: string;
let exportPath: string;
let app: FastifyInstance;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-api-key-'));
  exportPath = await writeTinyGptExport(directory, undefined, { text: CHAT_TEST_TEXT });
  app = await createInferenceServer({ exportDirectory: exportPath, logger: false, apiKey: API_KEY });
});

afterAll(async () => {
  await app?.close();
  await rm(directory, { recursive: true, force: true });
});

const requests = [
  { method: 'GET', url: '/v1/model', format: 'tessera' },
  { method: 'POST', url: '/v1/generate', payload: { prompt: 'To', maxTokens: 2 }, format: 'tessera' },
  { method: 'POST', url: '/v1/nowhere', payload: {}, format: 'tessera' },
  { method: 'GET', url: '/v1/models', format: 'openai' },
  { method: 'POST', url: '/v1/completions', payload: { model: 'gpt', prompt: 'To', max_tokens: 2 }, format: 'openai' },
  {
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'gpt', messages: [{ role: 'user', content: 'To' }], max_tokens: 2 },
    format: 'openai',
  },
] as const;

const send = (request: (typeof requests)[number], authorization?: string) =>
  app.inject({
    method: request.method,
    url: request.url,
    ...('payload' in request ? { payload: request.payload } : {}),
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });

describe('API key authentication', () => {
  it('/health needs no key', async () => {
    const response = await app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
  });

  it('a missing, wrong or malformed key is 401: OpenAI’s shape on the OpenAI routes, Tessera’s elsewhere', async () => {
    const refused = [
      undefined,
      'Bearer wrong',
      `Bearer ${API_KEY}x`,
      `Bearer ${API_KEY.slice(0, -1)}`,
      `Basic ${API_KEY}`,
      API_KEY,
      `Bearer ${API_KEY} extra`,
      'Bearer',
    ];
    for (const request of requests) {
      for (const authorization of refused) {
        const response = await send(request, authorization);
        expect(response.statusCode, `${request.url} with ${authorization}`).toBe(401);
        expect(response.headers['www-authenticate']).toBe('Bearer');
        const { error } = response.json() as { error: Record<string, unknown> };
        expect(error.code).toBe('E_REQUEST_UNAUTHORIZED');
        if (request.format === 'openai') {
          expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
          expect(error).toMatchObject({ type: 'authentication_error', param: null });
        } else {
          expect(Object.keys(error).sort()).toEqual(['code', 'message']);
        }
        expect(error.message).toMatch(authorization === undefined ? /Authorization: Bearer/ : /API key|Bearer/);
      }
    }
  });

  it('the right key passes, with the scheme in any case; an unknown path is then a 404', async () => {
    for (const request of requests) {
      for (const authorization of [`Bearer ${API_KEY}`, `bearer ${API_KEY}`, `  BEARER   ${API_KEY} `]) {
        const response = await send(request, authorization);
        expect(response.statusCode, `${request.url} with ${authorization}`).toBe(
          request.url === '/v1/nowhere' ? 404 : 200,
        );
      }
    }
  });

  it('an empty or whitespace key is refused before the model loads', async () => {
    for (const apiKey of ['', ' ', 'two words', ' padded']) {
      const failure = await createInferenceServer({ exportDirectory: exportPath, logger: false, apiKey }).catch(
        (error: unknown) => error,
      );
      expect(isTesseraError(failure, 'E_SERVER_OPTION'), JSON.stringify(apiKey)).toBe(true);
    }
  });

  it('without a key every route is open', async () => {
    const open = await createInferenceServer({ exportDirectory: exportPath, logger: false });
    try {
      expect((await open.inject({ url: '/v1/models' })).statusCode).toBe(200);
      expect((await open.inject({ url: '/v1/model' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
