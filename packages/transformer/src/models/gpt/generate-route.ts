import type { ServeContext, ServeEventStream, ServeLimits, ServeRoute } from '@tessera/core';
import { generate } from '../../generation/generate.js';
import { createEventChannel } from '../../serve/event-channel.js';
import type { LoadedGptExport } from './load-gpt-export.js';

interface GenerateBody {
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  stream?: boolean;
}

/** What `POST /v1/generate` answers without `stream`. */
export interface GenerateAnswer {
  text: string;
  tokens: number;
  seed: number;
  milliseconds: number;
}

/** The events of a streamed generation: one per token, then one `done`. */
export type GenerateStreamEvent =
  | { token: string; id: number; index: number }
  | { done: true; text: string; tokens: number; seed: number };

export function generateSchema(limits: ServeLimits) {
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

/** The token events, then the `done` event; generation runs on its own and holds `release` until it ends. */
function streamGeneration(
  { model, tokenizer }: LoadedGptExport,
  prompt: number[],
  sampling: Parameters<typeof generate>[2],
  seed: number,
  release: () => void,
  context: ServeContext,
): ServeEventStream {
  // Stops when the client goes away or the server stops reading the events.
  const stop = new AbortController();
  const stopGenerating = () => stop.abort();
  context.signal.addEventListener('abort', stopGenerating, { once: true });
  if (context.signal.aborted) stop.abort();
  const channel = createEventChannel<GenerateStreamEvent>(stopGenerating);
  void (async () => {
    try {
      const tokens = await generate(model, prompt, {
        ...sampling,
        signal: stop.signal,
        onToken: (token, index) => {
          channel.push({ token: tokenizer.decode([token]), id: token, index });
        },
      });
      const gone = stop.signal.aborted;
      context.log.info({ tokens: tokens.length, clientGone: gone }, 'generation finished');
      if (!gone) channel.push({ done: true, text: tokenizer.decode(tokens), tokens: tokens.length, seed });
      channel.close();
    } catch (error) {
      // While the client reads, the server logs it and ends the stream with an error event; once it
      // has gone, nobody reads the failure, so it is logged here.
      if (context.signal.aborted) context.log.error({ err: error }, 'generation failed after the client went away');
      else channel.fail(error);
    } finally {
      context.signal.removeEventListener('abort', stopGenerating);
      release();
    }
  })();
  return { stream: true, events: channel.events };
}

/**
 * POST /v1/generate: {prompt, maxTokens, temperature, topK, topP, seed, stream}. Without `stream`
 * the answer is {text, tokens, seed, milliseconds}; with `stream: true` it is server-sent events,
 * one `{token, id, index}` per token and a final `{done: true, text, tokens, seed}`.
 */
export const generateRoute: ServeRoute<LoadedGptExport> = {
  method: 'POST',
  path: '/v1/generate',
  bodySchema: (_loaded, limits) => generateSchema(limits),
  async handle(loaded, requestBody, context) {
    const body = requestBody as GenerateBody;
    const { model, tokenizer } = loaded;
    const prompt = tokenizer.encode(body.prompt); // unknown characters → 400 E_TOKENIZER_UNKNOWN
    const seed = body.seed ?? Math.floor(Math.random() * 2 ** 31);
    const sampling = {
      maxNewTokens: body.maxTokens ?? Math.min(64, context.limits.maxNewTokens),
      seed,
      ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
      ...(body.topK === undefined ? {} : { topK: body.topK }),
      ...(body.topP === undefined ? {} : { topP: body.topP }),
    };
    if (body.stream === true) {
      const release = await context.acquire(); // full queue → 429, long wait → 503
      try {
        return streamGeneration(loaded, prompt, sampling, seed, release, context);
      } catch (error) {
        release();
        throw error;
      }
    }
    return context.run(async (): Promise<GenerateAnswer> => {
      const started = performance.now();
      const tokens = await generate(model, prompt, { ...sampling, signal: context.signal });
      return {
        text: tokenizer.decode(tokens),
        tokens: tokens.length,
        seed,
        milliseconds: Math.round(performance.now() - started),
      };
    });
  },
};
