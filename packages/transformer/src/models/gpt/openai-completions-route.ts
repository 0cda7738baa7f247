import type { ServeLimits, ServeRoute } from '@tessera/core';
import type { LoadedGptExport } from './load-gpt-export.js';
import {
  answerOpenAIRequest,
  type OpenAIFinishReason,
  type OpenAIGeneration,
  type OpenAISamplingBody,
  openAIIdentifier,
  openAISamplingProperties,
  openAIUsage,
  resolveOpenAISampling,
} from './openai-generation.js';

interface CompletionsBody extends OpenAISamplingBody {
  prompt: string;
}

/** OpenAI's default `max_tokens` for completions. */
const DEFAULT_COMPLETION_TOKENS = 16;

export function openAICompletionsSchema(limits: ServeLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', minLength: 1, maxLength: limits.maxPromptCharacters },
      ...openAISamplingProperties(limits),
    },
  } as const;
}

/** One `text_completion` object, whole or as a stream chunk. */
function completion(id: string, created: number, model: string, text: string, finishReason: OpenAIFinishReason | null) {
  return {
    id,
    object: 'text_completion' as const,
    created,
    model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
  };
}

/**
 * POST /v1/completions, OpenAI's legacy completions API: `{model, prompt, max_tokens (default 16),
 * temperature, top_p, seed, stop, stream, stream_options}` continues the prompt. Whole, the answer
 * is a `text_completion` with `choices[0].text`, `finish_reason` (`stop` when a stop string ended
 * it, else `length`) and `usage`; with `stream: true`, `text_completion` chunks of new text, a last
 * chunk with the finish reason (then one with `usage` when `stream_options.include_usage`), and
 * `data: [DONE]`. `model` is echoed: the server serves one model whatever it is called.
 */
export const openAICompletionsRoute: ServeRoute<LoadedGptExport> = {
  method: 'POST',
  path: '/v1/completions',
  errorFormat: 'openai',
  bodySchema: (_loaded, limits) => openAICompletionsSchema(limits),
  async handle(loaded, requestBody, context) {
    const body = requestBody as CompletionsBody;
    const prompt = loaded.tokenizer.encode(body.prompt); // unknown characters → 400 E_TOKENIZER_UNKNOWN
    const sampling = resolveOpenAISampling(body, Math.min(DEFAULT_COMPLETION_TOKENS, context.limits.maxNewTokens));
    const id = openAIIdentifier('cmpl');
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? loaded.kind;
    return answerOpenAIRequest(loaded, prompt, sampling, body.stream === true, context, {
      answer: (generation: OpenAIGeneration) => ({
        ...completion(id, created, model, generation.text, generation.finishReason),
        usage: openAIUsage(generation),
      }),
      chunks: {
        opening: () => [],
        text: (delta) => completion(id, created, model, delta, null),
        closing: (generation) => [
          completion(id, created, model, '', generation.finishReason),
          ...(body.stream_options?.include_usage === true
            ? [{ id, object: 'text_completion', created, model, choices: [], usage: openAIUsage(generation) }]
            : []),
        ],
      },
    });
  },
};
