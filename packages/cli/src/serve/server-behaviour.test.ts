import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { initBackend, tf } from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceServer } from './create-inference-server.js';
import { writeTinyGptExport } from './test-exports.js';

let directory: string;
let exportPath: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  directory = await mkdtemp(join(tmpdir(), 'tessera-serve-behaviour-'));
  exportPath = await writeTinyGptExport(directory);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

const generate = (base: string, body: Record<string, unknown>) =>
  fetch(`${base}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Reads a server-sent event stream to its end: the parsed `data:` payloads in order. */
async function readEvents(response: Response, onEvent?: (event: Record<string, unknown>) => void) {
  const events: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = JSON.parse(buffer.slice(0, end).replace(/^data: /, '')) as Record<string, unknown>;
      events.push(event);
      onEvent?.(event);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
  return events;
}

describe('inference server over HTTP', () => {
  it('streams one event per token, the same text as the JSON answer for the same seed', async () => {
    const app = await createInferenceServer({ exportDirectory: exportPath, logger: false });
    const base = await listen(app);
    try {
      const request = { prompt: 'To be', maxTokens: 12, temperature: 0.8, seed: 3 };
      const plain = (await (await generate(base, request)).json()) as { text: string; tokens: number };
      const response = await generate(base, { ...request, stream: true });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      const events = await readEvents(response);
      const tokens = events.filter((event) => 'token' in event);
      expect(tokens.map((event) => event.index)).toEqual([...Array(12).keys()]);
      expect(tokens.map((event) => event.token).join('')).toBe(plain.text);
      expect(events.at(-1)).toMatchObject({ done: true, text: plain.text, tokens: 12, seed: 3 });
    } finally {
      await app.close();
    }
  });

  it('sheds overload with 429 + Retry-After, serves the rest, and keeps answering /health', async () => {
    const app = await createInferenceServer({
      exportDirectory: exportPath,
      logger: false,
      maxConcurrency: 1,
      maxQueue: 1,
    });
    const base = await listen(app);
    try {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, seed) => generate(base, { prompt: 'To be', maxTokens: 64, seed })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
      const refused = responses.find((response) => response.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_SERVER_BUSY');
      for (const response of responses)
        if (response.status === 200) expect(((await response.json()) as { tokens: number }).tokens).toBe(64);
      const health = await fetch(`${base}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', running: 0, queued: 0 });
    } finally {
      await app.close();
    }
  });

  it('answers /health while a long generation streams (it yields between tokens)', async () => {
    const app = await createInferenceServer({ exportDirectory: exportPath, logger: false });
    const base = await listen(app);
    try {
      const response = await generate(base, { prompt: 'To', maxTokens: 200, stream: true, seed: 1 });
      let tokenCount = 0;
      let tokensWhenHealthAnswered = -1;
      let healthCheck: Promise<number> | undefined;
      const events = await readEvents(response, (event) => {
        if (event.index === 0) {
          healthCheck = fetch(`${base}/health`)
            .then((health) => health.json() as Promise<{ running: number }>)
            .then((health: { running: number }) => {
              tokensWhenHealthAnswered = tokenCount;
              return health.running;
            });
          healthCheck.catch(() => undefined); // awaited below; never an unhandled rejection
        }
        if ('token' in event) tokenCount++;
      });
      expect(await healthCheck).toBe(1);
      expect(events.filter((event) => 'token' in event)).toHaveLength(200);
      expect(tokensWhenHealthAnswered).toBeGreaterThan(0);
      expect(tokensWhenHealthAnswered).toBeLessThan(200);
    } finally {
      await app.close();
    }
  });

  it('shuts down gracefully: in-flight generation completes, new connections are refused, no tensor is left', async () => {
    const before = tf.memory().numTensors;
    const app = await createInferenceServer({ exportDirectory: exportPath, logger: false });
    const base = await listen(app);
    const response = await generate(base, { prompt: 'To', maxTokens: 100, stream: true, seed: 2 });
    let closed: Promise<void> | undefined;
    const events = await readEvents(response, (event) => {
      if (event.index === 3) closed = app.close();
    });
    await closed;
    expect(events.filter((event) => 'token' in event)).toHaveLength(100);
    expect(events.at(-1)).toMatchObject({ done: true, tokens: 100 });
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops generating when a streaming client disconnects, and frees the slot', async () => {
    const records: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).trim().split('\n')) records.push(JSON.parse(line));
        callback();
      },
    });
    const app = await createInferenceServer({ exportDirectory: exportPath, logger: { level: 'info', stream } });
    const base = await listen(app);
    try {
      const controller = new AbortController();
      const response = await fetch(`${base}/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'To', maxTokens: 256, stream: true }),
        signal: controller.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // the first token(s) arrived
      controller.abort();
      let finished: Record<string, unknown> | undefined;
      for (let attempt = 0; attempt < 500 && finished === undefined; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        finished = records.find((record) => record.msg === 'generation finished');
      }
      expect(finished).toMatchObject({ clientGone: true });
      expect(finished?.tokens as number).toBeLessThan(256);
      expect(((await (await fetch(`${base}/health`)).json()) as { running: number }).running).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('writes structured JSON logs with request id, status and latency', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).trim().split('\n'));
        callback();
      },
    });
    const app = await createInferenceServer({ exportDirectory: exportPath, logger: { level: 'info', stream } });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/generate',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-42' },
        payload: { prompt: 'To', maxTokens: 2 },
      });
      expect(response.headers['x-request-id']).toBe('req-42');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const completed = records.find((record) => record.msg === 'request completed' && record.reqId === 'req-42');
      expect(completed).toMatchObject({ level: 30, res: { statusCode: 200 } });
      expect(typeof completed?.responseTime).toBe('number');
      expect(records.some((record) => record.msg === 'model loaded' && record.kind === 'gpt')).toBe(true);
    } finally {
      await app.close();
    }
  });
});
