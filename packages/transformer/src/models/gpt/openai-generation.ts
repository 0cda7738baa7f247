import type { ServeContext, ServeEventStream, ServeLimits } from '@tessera/core';
import { generate } from '../../generation/generate.js';
import { createEventChannel } from '../../serve/event-channel.js';
import type { LoadedGptExport } from './load-gpt-export.js';
import { StopSequenceFilter } from './stop-sequences.js';

/**
 * What the OpenAI completions and chat routes share: their sampling fields, mapped onto
 * `generate`, and one generation with stop strings, whole or streamed as text deltas.
 */

/** The sampling fields both OpenAI routes accept (snake_case, as OpenAI names them). */
export interface OpenAISamplingBody {
  model?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  n?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** OpenAI allows up to four stop strings. */
const MAX_STOP_STRINGS = 4;

/** JSON-schema properties of the shared fields, sized by the server's limits. */
export function openAISamplingProperties(limits: ServeLimits) {
  const stopString = { type: 'string', minLength: 1, maxLength: 256 } as const;
  return {
    model: { type: 'string', maxLength: 256 },
    max_tokens: { type: 'integer', minimum: 1, maximum: limits.maxNewTokens },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
    stop: { anyOf: [stopString, { type: 'array', items: stopString, maxItems: MAX_STOP_STRINGS }] },
    // One choice per request: the model runs one sequence at a time.
    n: { type: 'integer', minimum: 1, maximum: 1 },
    user: { type: 'string', maxLength: 256 },
    stream: { type: 'boolean' },
    stream_options: {
      type: 'object',
      additionalProperties: false,
      properties: { include_usage: { type: 'boolean' } },
    },
  } as const;
}

/** The request's sampling, resolved: every default filled in. */
export interface OpenAISampling {
  maxNewTokens: number;
  seed: number;
  temperature?: number;
  topP?: number;
  stop: string[];
}

export function resolveOpenAISampling(
  body: OpenAISamplingBody,
  defaultMaxTokens: number,
  extraStops: readonly string[] = [],
): OpenAISampling {
  const stop = body.stop === undefined ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    maxNewTokens: body.max_tokens ?? defaultMaxTokens,
    seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
    // top_p 0 keeps only the most likely token, which is greedy decoding.
    ...(body.top_p === 0
      ? { temperature: 0 }
      : body.temperature === undefined
        ? {}
        : { temperature: body.temperature }),
    ...(body.top_p === undefined || body.top_p === 0 ? {} : { topP: body.top_p }),
    stop: [...stop, ...extraStops],
  };
}

export type OpenAIFinishReason = 'stop' | 'length';

export interface OpenAIGeneration {
  text: string;
  finishReason: OpenAIFinishReason;
  promptTokens: number;
  completionTokens: number;
}

/** OpenAI's `usage` object. */
export function openAIUsage(generation: OpenAIGeneration) {
  return {
    prompt_tokens: generation.promptTokens,
    completion_tokens: generation.completionTokens,
    total_tokens: generation.promptTokens + generation.completionTokens,
  };
}

/**
 * One generation from `prompt` (token ids): ends at `maxNewTokens` (`length`) or when the decoded
 * text contains a stop string (`stop`, the text trimmed before it). `onText` receives the text as
 * it becomes safe to send; the deltas add up to the answer's text.
 */
export async function generateOpenAICompletion(
  { model, tokenizer }: LoadedGptExport,
  prompt: readonly number[],
  sampling: OpenAISampling,
  signal: AbortSignal,
  onText?: (delta: string) => void,
): Promise<OpenAIGeneration> {
  const filter = new StopSequenceFilter(sampling.stop);
  const generated: number[] = [];
  const tokens = await generate(model, prompt, {
    maxNewTokens: sampling.maxNewTokens,
    seed: sampling.seed,
    ...(sampling.temperature === undefined ? {} : { temperature: sampling.temperature }),
    ...(sampling.topP === undefined ? {} : { topP: sampling.topP }),
    signal,
    onToken: (token) => {
      generated.push(token);
      // Decoding the whole completion each time keeps multi-byte characters whole.
      const delta = filter.next(tokenizer.decode(generated));
      if (delta.length > 0) onText?.(delta);
      return !filter.stopped;
    },
  });
  const text = tokenizer.decode(tokens);
  const rest = filter.rest(text);
  if (rest.length > 0) onText?.(rest);
  return {
    text: filter.final(text),
    finishReason: filter.stopped ? 'stop' : 'length',
    promptTokens: prompt.length,
    completionTokens: tokens.length,
  };
}

/** OpenAI's id prefix plus a random part, e.g. `cmpl-3f2a…`. */
export function openAIIdentifier(prefix: 'cmpl' | 'chatcmpl'): string {
  return `${prefix}-${globalThis.crypto.randomUUID().replaceAll('-', '')}`;
}

/** The events of a streamed OpenAI answer, built from the text deltas and the finished generation. */
export interface OpenAIChunkWriter<Chunk> {
  /** Chunks sent before any text (the chat route's `{role: 'assistant'}`). */
  opening(): Chunk[];
  text(delta: string): Chunk;
  /** The chunks after the text: the finish reason, and usage when asked for. */
  closing(generation: OpenAIGeneration): Chunk[];
}

/**
 * Runs a generation in the queue slot `release` holds and streams it as OpenAI chunks ending in
 * `data: [DONE]`. Generation stops when the client goes away or the server stops reading.
 */
export function streamOpenAICompletion<Chunk>(
  loaded: LoadedGptExport,
  prompt: readonly number[],
  sampling: OpenAISampling,
  writer: OpenAIChunkWriter<Chunk>,
  release: () => void,
  context: ServeContext,
): ServeEventStream {
  const stop = new AbortController();
  const stopGenerating = () => stop.abort();
  context.signal.addEventListener('abort', stopGenerating, { once: true });
  if (context.signal.aborted) stop.abort();
  const channel = createEventChannel<Chunk>(stopGenerating);
  for (const chunk of writer.opening()) channel.push(chunk);
  void (async () => {
    try {
      const generation = await generateOpenAICompletion(loaded, prompt, sampling, stop.signal, (delta) =>
        channel.push(writer.text(delta)),
      );
      const gone = stop.signal.aborted;
      context.log.info({ tokens: generation.completionTokens, clientGone: gone }, 'generation finished');
      if (!gone) for (const chunk of writer.closing(generation)) channel.push(chunk);
      channel.close();
    } catch (error) {
      // While the client reads, the server logs it and ends the stream with an error event.
      if (context.signal.aborted) context.log.error({ err: error }, 'generation failed after the client went away');
      else channel.fail(error);
    } finally {
      context.signal.removeEventListener('abort', stopGenerating);
      release();
    }
  })();
  return { stream: true, events: channel.events, terminator: '[DONE]' };
}

/** Answers whole (in a queue slot) or streamed (holding a slot until the stream ends). */
export async function answerOpenAIRequest<Answer, Chunk>(
  loaded: LoadedGptExport,
  prompt: readonly number[],
  sampling: OpenAISampling,
  streamed: boolean,
  context: ServeContext,
  shapes: { answer(generation: OpenAIGeneration): Answer; chunks: OpenAIChunkWriter<Chunk> },
): Promise<Answer | ServeEventStream> {
  if (streamed) {
    const release = await context.acquire(); // full queue → 429, long wait → 503
    try {
      return streamOpenAICompletion(loaded, prompt, sampling, shapes.chunks, release, context);
    } catch (error) {
      release();
      throw error;
    }
  }
  return context.run(async () =>
    shapes.answer(await generateOpenAICompletion(loaded, prompt, sampling, context.signal)),
  );
}
