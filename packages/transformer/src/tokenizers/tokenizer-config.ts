import { TesseraError } from '@tessera/core';
import {
  expectArray,
  expectObject,
  expectString,
  formatError,
  isJsonObject,
  type JsonObject,
  optionalBoolean,
  optionalString,
} from './json-fields.js';

/** The special-token names transformers keeps in `special_tokens_map` (and hands chat templates). */
export const SPECIAL_TOKEN_NAMES = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

/** What `tokenizer_config.json` says, read and checked. */
export interface TokenizerSettings {
  /** bos_token, eos_token, … as strings; absent when the file has none (or null). */
  specialTokens: Partial<Record<SpecialTokenName, string>>;
  additionalSpecialTokens: string[];
  /** name → Jinja source; a single `chat_template` string is named `default`. */
  chatTemplates: Map<string, string>;
  /** Set only when the file says so; see HuggingFaceTokenizer for when they apply. */
  addBosToken: boolean | undefined;
  addEosToken: boolean | undefined;
  cleanUpTokenizationSpaces: boolean;
  paddingSide: 'left' | 'right';
  truncationSide: 'left' | 'right';
  tokenizerClass: string | undefined;
  /** transformers' `model_max_length`, when it is a real limit (files write 1e30 for none). */
  modelMaxLength: number | undefined;
}

/** A special token is a string or an AddedToken object (`{ "content": "<s>", "__type": "AddedToken", … }`). */
function specialToken(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (isJsonObject(value)) return expectString(value.content, `${path}.content`);
  return expectString(value, path);
}

function side(value: unknown, path: string): 'left' | 'right' {
  if (value === undefined || value === null) return 'right';
  if (value === 'left' || value === 'right') return value;
  throw formatError(path, '"left" or "right"', value);
}

/** `chat_template` is a string, or a list of `{ name, template }` (default, tool_use, rag, …). */
function chatTemplates(value: unknown, path: string): Map<string, string> {
  const templates = new Map<string, string>();
  if (value === undefined || value === null) return templates;
  if (typeof value === 'string') return templates.set('default', value);
  expectArray(value, path).forEach((entry, index) => {
    const fields = expectObject(entry, `${path}[${index}]`);
    templates.set(
      expectString(fields.name, `${path}[${index}].name`),
      expectString(fields.template, `${path}[${index}].template`),
    );
  });
  return templates;
}

export function parseTokenizerConfig(value: unknown, path = 'tokenizer_config.json'): TokenizerSettings {
  const config: JsonObject = value === undefined || value === null ? {} : expectObject(value, path);
  const specialTokens: Partial<Record<SpecialTokenName, string>> = {};
  for (const name of SPECIAL_TOKEN_NAMES) {
    const token = specialToken(config[name], `${path}.${name}`);
    if (token !== undefined) specialTokens[name] = token;
  }
  const additional = config.additional_special_tokens;
  const additionalSpecialTokens =
    additional === undefined || additional === null
      ? []
      : expectArray(additional, `${path}.additional_special_tokens`).flatMap((token, index) => {
          const content = specialToken(token, `${path}.additional_special_tokens[${index}]`);
          return content === undefined ? [] : [content];
        });
  const maximum = config.model_max_length;
  if (maximum !== undefined && maximum !== null && (typeof maximum !== 'number' || !(maximum > 0))) {
    throw formatError(`${path}.model_max_length`, 'a positive number', maximum);
  }
  const settings: TokenizerSettings = {
    specialTokens,
    additionalSpecialTokens,
    chatTemplates: chatTemplates(config.chat_template, `${path}.chat_template`),
    addBosToken:
      config.add_bos_token === undefined
        ? undefined
        : optionalBoolean(config.add_bos_token, `${path}.add_bos_token`, false),
    addEosToken:
      config.add_eos_token === undefined
        ? undefined
        : optionalBoolean(config.add_eos_token, `${path}.add_eos_token`, false),
    // transformers' default has been False since 4.45 (it was True before); these files all say.
    cleanUpTokenizationSpaces: optionalBoolean(
      config.clean_up_tokenization_spaces,
      `${path}.clean_up_tokenization_spaces`,
      false,
    ),
    paddingSide: side(config.padding_side, `${path}.padding_side`),
    truncationSide: side(config.truncation_side, `${path}.truncation_side`),
    tokenizerClass: optionalString(config.tokenizer_class, `${path}.tokenizer_class`),
    modelMaxLength: typeof maximum === 'number' && maximum < Number.MAX_SAFE_INTEGER ? maximum : undefined,
  };
  return settings;
}

/** Chat templates a directory keeps beside `tokenizer_config.json` override its `chat_template`. */
export function withChatTemplate(settings: TokenizerSettings, source: string | undefined): TokenizerSettings {
  if (source === undefined) return settings;
  if (source.trim() === '') throw new TesseraError('E_TOKENIZER_FORMAT', 'chat_template.jinja is empty');
  return { ...settings, chatTemplates: new Map([...settings.chatTemplates, ['default', source]]) };
}
