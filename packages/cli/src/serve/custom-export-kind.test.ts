import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ExportKind,
  initBackend,
  isTesseraError,
  type LoadedExport,
  readExportDirectory,
  registerExportKind,
  tf,
  unregisterExportKind,
  writeExportDirectory,
} from '@tessera/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../program.js';
import { createInferenceServer } from './create-inference-server.js';

/**
 * The proof that adding a model kind touches one package: a kind defined and registered in this
 * file alone (no CLI source names it) is served, predicted with and described by the CLI.
 */

interface LoadedEcho extends LoadedExport {
  kind: 'echo';
  prefix: string;
  /** A tensor, so that dispose has something to free. */
  weights: tf.Tensor;
}

interface EchoBody {
  text: string;
  stream?: boolean;
}

const disposed: string[] = [];

const echoKind: ExportKind<LoadedEcho> = {
  kind: 'echo',
  packageName: 'echo-kind-test',
  description: 'answers each text with the text after its prefix',
  predictInputs: 'texts',
  async load(location) {
    const contents = await readExportDirectory<{ prefix: string }>(location, { kinds: ['echo'] });
    const weights = contents.tensors.weights as tf.Tensor;
    return { kind: 'echo', prefix: contents.config.prefix, weights };
  },
  describe: (loaded) => ({ prefix: loaded.prefix, weights: loaded.weights.shape }),
  dispose: (loaded) => {
    disposed.push(loaded.prefix);
    loaded.weights.dispose();
  },
  async predict(loaded, inputs) {
    return inputs.map((input) => ({
      input,
      summary: `${loaded.prefix}${input}`,
      value: { echo: loaded.prefix + input },
    }));
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/echo',
      bodySchema: (_loaded, limits) => ({
        type: 'object',
        additionalProperties: false,
        required: ['text'],
        properties: {
          text: { type: 'string', minLength: 1, maxLength: limits.maxTextCharacters },
          stream: { type: 'boolean' },
        },
      }),
      async handle(loaded, body, context) {
        const { text, stream } = body as EchoBody;
        if (stream !== true) return context.run(async () => ({ echo: `${loaded.prefix}${text}` }));
        const release = await context.acquire();
        async function* characters() {
          try {
            for (const [index, character] of [...text].entries()) {
              if (character === '!') throw new Error('the echo broke');
              yield { character, index };
            }
            yield { done: true, echo: `${loaded.prefix}${text}` };
          } finally {
            release();
          }
        }
        return { stream: true, events: characters() };
      },
    },
  ],
};

let directory: string;
let exportPath: string;
let app: FastifyInstance;
let tensorsBefore: number;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  registerExportKind(echoKind);
  directory = await mkdtemp(join(tmpdir(), 'tessera-custom-kind-'));
  exportPath = join(directory, 'echo');
  const weights = tf.tensor1d([1, 2, 3]);
  await writeExportDirectory(exportPath, {
    kind: 'echo',
    config: { prefix: '> ' },
    tensors: { weights },
    producer: { name: 'echo-kind-test', version: '1.0.0' },
    metadata: { purpose: 'test' },
  });
  weights.dispose();
  tensorsBefore = tf.memory().numTensors;
  app = await createInferenceServer({
    exportDirectory: exportPath,
    logger: false,
    limits: { maxTextCharacters: 16 },
  });
});

afterAll(async () => {
  unregisterExportKind('echo');
  await rm(directory, { recursive: true, force: true });
});

const post = (url: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, payload });

describe('a kind registered outside the CLI', () => {
  it('is described by GET /v1/model and /health with its own endpoint', async () => {
    const model = (await app.inject({ method: 'GET', url: '/v1/model' })).json();
    expect(model).toMatchObject({
      kind: 'echo',
      endpoint: 'POST /v1/echo',
      producer: { name: 'echo-kind-test', version: '1.0.0' },
      quantization: null,
      config: { prefix: '> ', weights: [3] },
      metadata: { purpose: 'test' },
      limits: { maxTextCharacters: 16, maxConcurrency: 1 },
    });
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({
      status: 'ok',
      kind: 'echo',
      running: 0,
      queued: 0,
    });
  });

  it('answers its route with JSON, and validates the body with its schema and the server limits', async () => {
    const answer = await post('/v1/echo', { text: 'hello' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ echo: '> hello' });
    for (const payload of [{ text: 'hello', loud: true }, { text: 'x'.repeat(17) }, { text: 3 }, {}]) {
      const refused = await post('/v1/echo', payload);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('E_REQUEST_INVALID');
    }
  });

  it('streams its events as server-sent events, and ends a failed stream with an error event', async () => {
    const streamed = await post('/v1/echo', { text: 'hi', stream: true });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(streamed.headers['cache-control']).toBe('no-cache');
    expect(streamed.body).toBe(
      [
        'data: {"character":"h","index":0}\n\n',
        'data: {"character":"i","index":1}\n\n',
        'data: {"done":true,"echo":"> hi"}\n\n',
      ].join(''),
    );
    const failed = await post('/v1/echo', { text: 'a!b', stream: true });
    const events = failed.body
      .split('\n\n')
      .filter((event) => event.length > 0)
      .map((event) => JSON.parse(event.replace(/^data: /, '')) as Record<string, unknown>);
    expect(events[0]).toEqual({ character: 'a', index: 0 });
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ error: { code: 'E_SERVER_INTERNAL' } });
    // The stream released its slot either way.
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ running: 0, queued: 0 });
  });

  it("answers 404 listing this server's endpoints for the routes it does not have", async () => {
    const unknown = await post('/v1/shout', { text: 'hello' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toEqual({
      code: 'E_REQUEST_ROUTE',
      message: 'no endpoint POST /v1/shout; endpoints: GET /health, GET /v1/model, GET /v1/models, POST /v1/echo',
    });
    const otherKind = await post('/v1/recommend', { userId: 'u1' }); // @tessera/recsys's route
    expect(otherKind.statusCode).toBe(404);
    expect(otherKind.json().error.code).toBe('E_SERVER_MODEL_KIND');
    expect(otherKind.json().error.message).toMatch(/'recommender' export.*POST \/v1\/echo/);
  });

  it('is predicted with and described by tessera predict and tessera info', async () => {
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
    try {
      await createProgram().parseAsync(['node', 'tessera', 'predict', exportPath, 'one', 'two', '--backend', 'wasm']);
      expect(printed).toEqual(['one: > one', 'two: > two']);
      printed.length = 0;
      await createProgram().parseAsync(['node', 'tessera', 'info', exportPath, '--backend', 'wasm']);
      expect(printed[0]).toMatch(/^.*echo: 'echo' export by echo-kind-test 1\.0\.0 \(created .*, float32 weights\)\n/);
      expect(printed[0]).toMatch(/answers each text with the text after its prefix \(echo-kind-test\)/);
      expect(printed[0]).toMatch(/tessera predict takes texts; tessera serve answers POST \/v1\/echo/);
      expect(printed[0]).toMatch(/\n {2}prefix: "> "\n/);
      expect(printed[0]).toMatch(/model\.safetensors: 1 tensors, 3 parameters/);
    } finally {
      log.mockRestore();
    }
  });

  it('frees the model on close, and is unknown once unregistered', async () => {
    await app.close();
    expect(disposed).toContain('> ');
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    unregisterExportKind('echo');
    const refused = await createInferenceServer({ exportDirectory: exportPath, logger: false }).catch(
      (error: unknown) => error,
    );
    expect(isTesseraError(refused, 'E_EXPORT_KIND_UNKNOWN')).toBe(true);
    expect((refused as Error).message).toMatch(/'echo'/);
  });
});
