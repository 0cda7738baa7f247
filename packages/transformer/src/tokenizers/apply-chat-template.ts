import { Template } from '@huggingface/jinja';
import { TesseraError } from '@tessera/core';
import { isJsonObject } from './json-fields.js';

/** One chat turn as transformers passes it to a template: `role`, `content`, and any other fields (tool_calls, …). */
export interface ChatTemplateMessage {
  role: string;
  content?: unknown;
  [field: string]: unknown;
}

export interface ApplyChatTemplateOptions {
  /** End with the header of the assistant's turn, for the model to continue (default false). */
  addGenerationPrompt?: boolean;
  /** Tool (function) schemas, as transformers' `tools`; `null` for the template when absent. */
  tools?: readonly unknown[];
  /** Retrieved documents, as transformers' `documents`. */
  documents?: readonly unknown[];
  /**
   * A template name from the file's list (`tool_use`, `rag`, …), or Jinja source to use instead.
   * Default: the file's `default`, or `tool_use` when `tools` are given and the file has one.
   */
  chatTemplate?: string;
  /** Further template variables, as transformers' extra keyword arguments (e.g. `{ enable_thinking: false }`). */
  variables?: Record<string, unknown>;
}

/**
 * A tokenizer's chat templates, rendered with `@huggingface/jinja` (transformers.js's engine)
 * from the variables transformers' `apply_chat_template` passes: `messages`, `tools` and
 * `documents` (null when not given, as Python's None), `add_generation_prompt`, the special tokens
 * the tokenizer has (`bos_token`, `eos_token`, … as strings; a missing one is not defined), then
 * the caller's variables. Each template compiles on first use, so a template the engine cannot
 * parse fails there (E_CHAT_TEMPLATE), not when the tokenizer loads.
 */
export class ChatTemplates {
  private readonly compiled = new Map<string, Template>();

  constructor(
    readonly templates: ReadonlyMap<string, string>,
    private readonly specialTokens: Readonly<Record<string, string | string[]>>,
  ) {}

  /** The Jinja source `options` select. */
  select(options: ApplyChatTemplateOptions = {}): string {
    const { chatTemplate, tools } = options;
    if (chatTemplate !== undefined) {
      const named = this.templates.get(chatTemplate);
      if (named !== undefined) return named;
      if (/\{[{%]/.test(chatTemplate)) return chatTemplate;
      throw new TesseraError(
        'E_CHAT_TEMPLATE',
        `no chat template named ${JSON.stringify(chatTemplate.slice(0, 40))}; the tokenizer has ${[...this.templates.keys()].join(', ') || 'none'}`,
      );
    }
    const toolUse = tools !== undefined && tools.length > 0 ? this.templates.get('tool_use') : undefined;
    const source =
      toolUse ??
      this.templates.get('default') ??
      (this.templates.size === 1 ? [...this.templates.values()][0] : undefined);
    if (source === undefined) {
      throw new TesseraError(
        'E_CHAT_TEMPLATE',
        this.templates.size === 0
          ? 'the tokenizer has no chat_template (tokenizer_config.json or chat_template.jinja); pass options.chatTemplate'
          : `the tokenizer's chat templates (${[...this.templates.keys()].join(', ')}) have no default; pass options.chatTemplate`,
      );
    }
    return source;
  }

  render(messages: readonly ChatTemplateMessage[], options: ApplyChatTemplateOptions = {}): string {
    if (
      !Array.isArray(messages) ||
      !messages.every((message) => isJsonObject(message) && typeof message.role === 'string')
    ) {
      throw new TesseraError('E_CHAT_TEMPLATE', 'messages must be an array of { role: string, content, … } objects');
    }
    const source = this.select(options);
    let template = this.compiled.get(source);
    try {
      if (template === undefined) {
        template = new Template(source);
        this.compiled.set(source, template);
      }
      return template.render({
        messages,
        tools: options.tools ?? null,
        documents: options.documents ?? null,
        add_generation_prompt: options.addGenerationPrompt ?? false,
        ...this.specialTokens,
        ...options.variables,
      });
    } catch (error) {
      throw new TesseraError(
        'E_CHAT_TEMPLATE',
        `the chat template failed: ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
        },
      );
    }
  }
}
