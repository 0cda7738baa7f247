import { type ServeLimits, type ServeRoute, TesseraError } from '@tessera/core';
import { type ChatMessage, type ChatTemplate, roleLinesChatTemplate } from './chat-template.js';
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

/** A message as OpenAI accepts it: content as a string or as text parts. */
interface ChatRequestMessage {
  role: ChatMessage['role'];
  content: string | { type: 'text'; text: string }[];
  name?: string;
}

interface ChatBody extends OpenAISamplingBody {
  messages: ChatRequestMessage[];
  max_completion_tokens?: number;
}

/** Most messages in one conversation. */
const MAX_MESSAGES = 256;

export function openAIChatSchema(limits: ServeLimits) {
  const text = { type: 'string', maxLength: limits.maxPromptCharacters } as const;
  const sampling = openAISamplingProperties(limits);
  return {
    type: 'object',
    additionalProperties: false,
    required: ['messages'],
    properties: {
      messages: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_MESSAGES,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['role', 'content'],
          properties: {
            role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant'] },
            content: {
              anyOf: [
                text,
                {
                  type: 'array',
                  maxItems: MAX_MESSAGES,
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    required: ['type', 'text'],
                    properties: { type: { type: 'string', enum: ['text'] }, text },
                  },
                },
              ],
            },
            name: { type: 'string', maxLength: 256 },
          },
        },
      },
      ...sampling,
      // The newer name of max_tokens for chat.
      max_completion_tokens: sampling.max_tokens,
    },
  } as const;
}

/** Renders the conversation, refusing one longer than a prompt may be. */
export function renderChatPrompt(messages: readonly ChatRequestMessage[], template: ChatTemplate, limits: ServeLimits) {
  const prompt = template.render(
    messages.map((message) => ({
      role: message.role,
      content:
        typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join(''),
    })),
  );
  if (prompt.length > limits.maxPromptCharacters) {
    throw new TesseraError(
      'E_CHAT_PROMPT_LENGTH',
      `the conversation renders to ${prompt.length} characters with the '${template.name}' chat template; this server takes prompts of at most ${limits.maxPromptCharacters} (send fewer or shorter messages)`,
    );
  }
  return prompt;
}

function chatChunk(
  id: string,
  created: number,
  model: string,
  delta: { role?: 'assistant'; content?: string },
  finishReason: OpenAIFinishReason | null,
) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/**
 * POST /v1/chat/completions, OpenAI's chat API: `{model, messages, max_tokens or
 * max_completion_tokens (default: the server's limit), temperature, top_p, seed, stop, stream,
 * stream_options}`. The messages are rendered with `roleLinesChatTemplate` (`role: content` lines
 * ending in `assistant:`), whose next `user:` line also ends the reply. Whole, the answer is a
 * `chat.completion` with `choices[0].message` `{role: 'assistant', content}`, `finish_reason` and
 * `usage`; with `stream: true`, `chat.completion.chunk`s (the role first, then content deltas, then
 * the finish reason, then `usage` when `stream_options.include_usage`) and `data: [DONE]`.
 */
export const openAIChatRoute: ServeRoute<LoadedGptExport> = {
  method: 'POST',
  path: '/v1/chat/completions',
  errorFormat: 'openai',
  bodySchema: (_loaded, limits) => openAIChatSchema(limits),
  async handle(loaded, requestBody, context) {
    const body = requestBody as ChatBody;
    const template = roleLinesChatTemplate;
    const prompt = loaded.tokenizer.encode(renderChatPrompt(body.messages, template, context.limits));
    const sampling = resolveOpenAISampling(
      { ...body, max_tokens: body.max_completion_tokens ?? body.max_tokens },
      context.limits.maxNewTokens,
      template.stop,
    );
    const id = openAIIdentifier('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? loaded.kind;
    return answerOpenAIRequest(loaded, prompt, sampling, body.stream === true, context, {
      answer: (generation: OpenAIGeneration) => ({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: generation.text },
            logprobs: null,
            finish_reason: generation.finishReason,
          },
        ],
        usage: openAIUsage(generation),
      }),
      chunks: {
        opening: () => [chatChunk(id, created, model, { role: 'assistant', content: '' }, null)],
        text: (delta) => chatChunk(id, created, model, { content: delta }, null),
        closing: (generation) => [
          chatChunk(id, created, model, {}, generation.finishReason),
          ...(body.stream_options?.include_usage === true
            ? [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: openAIUsage(generation) }]
            : []),
        ],
      },
    });
  },
};
