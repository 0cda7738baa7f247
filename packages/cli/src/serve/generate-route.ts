import { PassThrough } from 'node:stream';
import { TesseraError } from '@tessera/core';
import { generate } from '@tessera/transformer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InferenceQueue } from './inference-queue.js';
import type { ServedModel } from './served-model.js';
import type { InferenceServerLimits } from './server-limits.js';

interface GenerateBody {
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stream?: boolean;
}

export function generateSchema(limits: InferenceServerLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: limits.maxPromptCharacters },
      maxTokens: { type: 'integer', minimum: 1, maximum: limits.maxNewTokens },
      temperature: { type: 'number', minimum: 0, maximum: 100 },
      topK: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      topP: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
      seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
      stream: { type: 'boolean' },
    },
  } as const;
}

/**
 * POST /v1/generate: {prompt, maxTokens, temperature, topK, topP, seed, stream}. Without `stream`
 * the answer is {text, tokens, seed}; with `stream: true` it is server-sent events, one
 * `data: {"token": "…", "index": n}` per token and a final `data: {"done": true, …}`.
 */
export function registerGenerateRoute(
  app: FastifyInstance,
  served: ServedModel,
  queue: InferenceQueue,
  limits: InferenceServerLimits,
): void {
  app.post<{ Body: GenerateBody }>(
    '/v1/generate',
    { schema: { body: generateSchema(limits) } },
    async (request: FastifyRequest<{ Body: GenerateBody }>, reply: FastifyReply) => {
      if (served.kind !== 'gpt') {
        throw new TesseraError(
          'E_SERVER_MODEL_KIND',
          `this server serves a '${served.kind}' model; /v1/generate needs a 'gpt' export (use POST /v1/classify)`,
        );
      }
      const { model, tokenizer } = served;
      const body = request.body;
      const prompt = tokenizer.encode(body.prompt); // unknown characters → 400 E_TOKENIZER_UNKNOWN
      const seed = body.seed ?? Math.floor(Math.random() * 2 ** 31);
      const sampling = {
        maxNewTokens: body.maxTokens ?? Math.min(64, limits.maxNewTokens),
        seed,
        ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
        ...(body.topK === undefined ? {} : { topK: body.topK }),
        ...(body.topP === undefined ? {} : { topP: body.topP }),
      };
      const release = await queue.acquire(); // full queue → 429, long wait → 503
      // The response closing before it finished means the client went away: stop generating.
      const clientGone = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) clientGone.abort();
      });
      if (body.stream !== true) {
        try {
          const started = performance.now();
          const tokens = await generate(model, prompt, { ...sampling, signal: clientGone.signal });
          return {
            text: tokenizer.decode(tokens),
            tokens: tokens.length,
            seed,
            milliseconds: Math.round(performance.now() - started),
          };
        } finally {
          release();
        }
      }
      const events = new PassThrough();
      const send = (data: unknown) => events.write(`data: ${JSON.stringify(data)}\n\n`);
      reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache');
      void (async () => {
        try {
          const tokens = await generate(model, prompt, {
            ...sampling,
            signal: clientGone.signal,
            onToken: (token, index) => {
              send({ token: tokenizer.decode([token]), id: token, index });
            },
          });
          const gone = clientGone.signal.aborted;
          request.log.info({ tokens: tokens.length, clientGone: gone }, 'generation finished');
          if (!gone) send({ done: true, text: tokenizer.decode(tokens), tokens: tokens.length, seed });
        } catch (error) {
          request.log.error({ err: error }, 'generation failed mid-stream');
          send({ error: { code: 'E_SERVER_INTERNAL', message: 'generation failed; the error is in the server log' } });
        } finally {
          release();
          events.end();
        }
      })();
      return reply.send(events);
    },
  );
}
