import { Template } from '@huggingface/jinja';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApplyChatTemplateOptions, ChatTemplateMessage } from './apply-chat-template.js';
import { type ReferenceModel, readReferenceFiles, rustTokenizerFromString } from './fixtures/reference-tokenizers.js';
import { type HuggingFaceTokenizer, tokenizerFromJSON } from './hugging-face-tokenizer.js';

const files = {} as Record<'llama3' | 'qwen3', ReturnType<typeof readReferenceFiles>>;
const tokenizers = {} as Record<'llama3' | 'qwen3', HuggingFaceTokenizer>;
beforeAll(() => {
  for (const model of ['llama3', 'qwen3'] as const) {
    files[model] = readReferenceFiles(model);
    tokenizers[model] = tokenizerFromJSON(files[model].tokenizerJson, files[model].tokenizerConfig);
  }
});

/**
 * What transformers' apply_chat_template hands the template (render_jinja_template): messages,
 * tools and documents (None when not given), add_generation_prompt, the special tokens map's
 * strings (absent ones left out), then the caller's keyword arguments. Written out here from
 * transformers' source, independently of ChatTemplates.
 */
function transformersRender(
  model: 'llama3' | 'qwen3',
  messages: ChatTemplateMessage[],
  options: ApplyChatTemplateOptions,
) {
  const config = files[model].tokenizerConfig;
  const specialTokens: Record<string, unknown> = {};
  for (const name of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token']) {
    if (typeof config[name] === 'string') specialTokens[name] = config[name];
  }
  if (Array.isArray(config.additional_special_tokens) && config.additional_special_tokens.length > 0) {
    specialTokens.additional_special_tokens = config.additional_special_tokens;
  }
  return new Template(config.chat_template as string).render({
    messages,
    tools: options.tools ?? null,
    documents: options.documents ?? null,
    add_generation_prompt: options.addGenerationPrompt ?? false,
    ...specialTokens,
    ...options.variables,
  });
}

const simple: ChatTemplateMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: ' Hello! ' },
];
const multiTurn: ChatTemplateMessage[] = [
  { role: 'system', content: 'Be terse.' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '<think>\nSimple sum.\n</think>\n\n4' },
  { role: 'user', content: 'And 3+3? 中文 😀' },
  { role: 'assistant', content: '6', reasoning_content: 'Another sum.' },
];
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];
const toolUse: ChatTemplateMessage[] = [
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: '',
    tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }],
  },
  { role: 'tool', content: '{"temperature": 21}' },
  { role: 'tool', content: '{"humidity": 40}' },
];

describe('applyChatTemplate', () => {
  it.each(['llama3', 'qwen3'] as const)(
    "renders the %s template as @huggingface/jinja does from transformers' inputs",
    (model) => {
      const conversations: Array<[ChatTemplateMessage[], ApplyChatTemplateOptions]> = [
        [simple, { addGenerationPrompt: true }],
        [simple, { addGenerationPrompt: false }],
        [multiTurn, {}],
        [multiTurn.slice(0, 4), { addGenerationPrompt: true }],
        [multiTurn.slice(0, 4), { addGenerationPrompt: true, variables: { enable_thinking: false } }],
        [toolUse, { tools, addGenerationPrompt: true }],
        [[{ role: 'user', content: 'no system' }], { addGenerationPrompt: true }],
      ];
      for (const [messages, options] of conversations) {
        expect(tokenizers[model].applyChatTemplate(messages, options)).toBe(
          transformersRender(model, messages, options),
        );
      }
    },
  );

  it("matches the formats the models document: Llama 3's headers and Qwen3's ChatML", () => {
    expect(tokenizers.llama3.applyChatTemplate(simple, { addGenerationPrompt: true })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(tokenizers.qwen3.applyChatTemplate(simple, { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n Hello! <|im_end|>\n<|im_start|>assistant\n',
    );
    // Qwen3: thinking switched off with enable_thinking, and earlier turns' reasoning dropped.
    expect(
      tokenizers.qwen3.applyChatTemplate(multiTurn.slice(1, 4), {
        addGenerationPrompt: true,
        variables: { enable_thinking: false },
      }),
    ).toBe(
      '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n' +
        '<|im_start|>user\nAnd 3+3? 中文 😀<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
    );
  });

  it("encodes a rendered chat without adding special tokens, as transformers does, to the crate's ids", async () => {
    for (const model of ['llama3', 'qwen3'] as ReferenceModel[] as Array<'llama3' | 'qwen3'>) {
      const rendered = tokenizers[model].applyChatTemplate(multiTurn, {});
      const rust = rustTokenizerFromString(files[model].tokenizerText);
      expect(tokenizers[model].encodeChat(multiTurn)).toEqual(
        (await rust.encode(rendered, null, { addSpecialTokens: false })).getIds(),
      );
    }
  });

  it('picks among named templates, takes template source, and reports failures as E_CHAT_TEMPLATE', () => {
    const { tokenizerJson } = files.qwen3;
    const named = tokenizerFromJSON(tokenizerJson, {
      eos_token: '<|im_end|>',
      chat_template: [
        { name: 'default', template: '{{ messages[0].content }}' },
        { name: 'tool_use', template: 'tools: {{ tools | length }}' },
      ],
    });
    expect(named.applyChatTemplate(simple)).toBe('You are a helpful assistant.');
    expect(named.applyChatTemplate(simple, { tools })).toBe('tools: 1');
    expect(named.applyChatTemplate(simple, { chatTemplate: 'tool_use', tools: [] })).toBe('tools: 0');
    expect(named.applyChatTemplate(simple, { chatTemplate: '{{ eos_token }}{{ bos_token is defined }}' })).toBe(
      '<|im_end|>false',
    );
    expect(() => named.applyChatTemplate(simple, { chatTemplate: 'rag' })).toThrow(/E_CHAT_TEMPLATE.*rag/);
    const none = tokenizerFromJSON(tokenizerJson, {});
    expect(() => none.applyChatTemplate(simple)).toThrow(/E_CHAT_TEMPLATE.*no chat_template/);
    expect(() => none.applyChatTemplate(simple, { chatTemplate: '{% for %}' })).toThrow(/E_CHAT_TEMPLATE/);
    expect(() => none.applyChatTemplate(simple, { chatTemplate: "{{ raise_exception('no system role') }}" })).toThrow(
      /E_CHAT_TEMPLATE.*no system role/,
    );
    expect(() => none.applyChatTemplate([{ content: 'x' }] as never, { chatTemplate: '{{ 1 }}' })).toThrow(
      /E_CHAT_TEMPLATE.*role/,
    );
  });
});
